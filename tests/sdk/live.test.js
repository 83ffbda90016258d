// LiveChannels through ali-oss 6.23.0 (spec oss-api.md §3.7, §1.3 rows 9
// and 10; rtmp-ingest.md): every LiveChannel call the SDK has, the
// conflicts with status, Code, Message and EC, and a real RTMP ingest by
// Debian's ffmpeg: the HLS playlist and segments stored as objects (each
// segment must decode), ChannelStillLive while it publishes, a disabled
// channel refusing ffmpeg, a second publisher refused, a publisher kicked
// by disabling, and a VOD playlist over the stored segments.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startDaemon, ossClient, expectOssError } = require('./lib/coffer');
const { haveFfmpeg, rtmpUrl: signedRtmpUrl, publish, until } = require('./lib/rtmp');

const B = 'live-bucket';
const STILL_LIVE = { status: 409, code: 'ChannelStillLive', ec: '0044-00000201' };
const STILL_LIVE_MSG = "Live channel couldn't be updated or deleted when channel is live.";
let d;
let c;
let pc;	// path-style client: its RTMP URLs carry the bucket in the path

before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket: B });
  pc = ossClient(d, { bucket: B, mode: 'path' });
  await c.putBucket(B);
});
after(async () => { if (d) assert.equal(await d.stop(), 0); });

function conf(over = {}) {
  return {
    Description: 'a channel', Status: 'enabled',
    Target: { Type: 'HLS', FragDuration: '2', FragCount: '3', PlaylistName: 'playlist.m3u8' },
    ...over,
  };
}

// The SDK's signed URL, pointed at the daemon's RTMP listener.
const rtmpUrl = (channel, params) => signedRtmpUrl(pc, d.rtmp, channel, params);

// In the cluster pass d.rtmp and d.port are the balancer's, which the
// nodes name (public_rtmp_url, public_oss_url).
test('putChannel, getChannel, listChannels, status, history, deleteChannel', async () => {
  const r = await c.putChannel('ch-api', conf());
  assert.equal(r.res.status, 200);
  assert.deepEqual(r.publishUrls, [`rtmp://${d.rtmp}/${B}/live/ch-api`]);
  assert.deepEqual(r.playUrls, [`http://127.0.0.1:${d.port}/${B}/ch-api/playlist.m3u8`]);

  const g = await c.getChannel('ch-api');
  assert.equal(g.data.Description, 'a channel');
  assert.equal(g.data.Status, 'enabled');
  assert.deepEqual(g.data.Target, { Type: 'HLS', FragDuration: '2', FragCount: '3', PlaylistName: 'playlist.m3u8' });

  // Re-creating an idle channel overwrites it; defaults when both omitted.
  await c.putChannel('ch-api', { Description: 'd2', Target: { Type: 'HLS' } });
  const g2 = await c.getChannel('ch-api');
  assert.deepEqual(g2.data.Target, { Type: 'HLS', FragDuration: '5', FragCount: '3', PlaylistName: 'playlist.m3u8' });

  await c.putChannel('ch-api2', conf());
  await c.putChannel('other', conf());
  const l = await c.listChannels({ prefix: 'ch-', 'max-keys': 1 });
  assert.equal(l.channels.length, 1);
  assert.equal(l.channels[0].Name, 'ch-api');
  assert.equal(l.isTruncated, true);
  assert.equal(l.nextMarker, 'ch-api');
  assert.deepEqual(l.channels[0].PublishUrls, [`rtmp://${d.rtmp}/${B}/live/ch-api`]);
  const l2 = await c.listChannels({ prefix: 'ch-', marker: l.nextMarker });
  assert.deepEqual(l2.channels.map((x) => x.Name), ['ch-api2']);
  assert.equal(l2.isTruncated, false);

  assert.equal((await c.getChannelStatus('ch-api')).data.Status, 'Idle');
  await c.putChannelStatus('ch-api', 'disabled');
  assert.equal((await c.getChannel('ch-api')).data.Status, 'disabled');
  assert.equal((await c.getChannelStatus('ch-api')).data.Status, 'Disabled');
  await c.putChannelStatus('ch-api', 'enabled');
  assert.equal((await c.getChannelStatus('ch-api')).data.Status, 'Idle');
  await expectOssError(() => c.putChannelStatus('ch-api', 'paused'), { status: 400, code: 'InvalidArgument' });

  const h = await c.getChannelHistory('ch-api');
  assert.deepEqual(h.records, []);

  await expectOssError(() => c.putChannel('bad', conf({ Target: { Type: 'HLS', FragDuration: '0', FragCount: '3' } })),
    { status: 400, code: 'InvalidArgument' });
  await expectOssError(() => c.putChannel('bad', conf({ Target: { Type: 'RTMP' } })),
    { status: 400, code: 'InvalidArgument' });

  const del = await c.deleteChannel('ch-api2');
  assert.equal(del.res.status, 204);
  await expectOssError(() => c.getChannel('ch-api2'), { status: 404, code: 'NoSuchLiveChannel', ec: '0026-00000021' });
  await expectOssError(() => c.deleteChannel('ch-api2'), { status: 404, code: 'NoSuchLiveChannel' });
  await c.deleteChannel('other');
});

test('public_oss_url and public_rtmp_url: the URLs clients reach the listeners by', async () => {
  const p = await startDaemon({ args: ['--public-oss-url', 'https://oss.example.com',
    '--public-rtmp-url', 'rtmp://live.example.com:1935'] });
  try {
    const pcl = ossClient(p, { bucket: 'pub-urls' });
    await pcl.putBucket('pub-urls');
    const r = await pcl.putChannel('cam', conf());
    assert.deepEqual(r.publishUrls, ['rtmp://live.example.com:1935/pub-urls/live/cam']);
    assert.deepEqual(r.playUrls, ['https://oss.example.com/pub-urls/cam/playlist.m3u8']);
    const l = await pcl.listChannels({});
    assert.deepEqual(l.channels[0].PlayUrls, ['https://oss.example.com/pub-urls/cam/playlist.m3u8']);
  } finally {
    assert.equal(await p.stop(), 0);
  }
});

test('DeleteBucket with a LiveChannel: 409 BucketNotEmpty EC 0015-00000303', async () => {
  const b2 = 'live-bucket-del';
  const c2 = ossClient(d, { bucket: b2 });
  await c2.putBucket(b2);
  await c2.putChannel('keep', conf());
  const e = await expectOssError(() => c2.deleteBucket(b2), { status: 409, code: 'BucketNotEmpty', ec: '0015-00000303' });
  assert.equal(e.message, 'The bucket you tried to delete is not empty.');
  await c2.deleteChannel('keep');
  await c2.deleteBucket(b2);
});

test('ingest: ffmpeg publishes, HLS objects, ChannelStillLive, second publisher, VOD',
  { skip: !haveFfmpeg && 'ffmpeg/ffprobe not installed' }, async () => {
    await c.putChannel('cam', conf());
    const t0 = Date.now();
    const pub = publish(rtmpUrl('cam'), 6);
    const first = await until('the first playlist', async () => (await c.get('cam/playlist.m3u8')).content.toString());
    const latency = Date.now() - t0;
    console.log(`publish-to-playlist latency: ${latency} ms`);
    assert.match(first, /^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n/);

    // While it publishes: Live with the stream's details.
    const st = await until('Video and Audio in the stat', async () => {
      const s = (await c.getChannelStatus('cam')).data;
      return s.Status === 'Live' && s.Video && s.Audio && s;
    });
    assert.equal(st.Video.Width, '320');
    assert.equal(st.Video.Height, '240');
    assert.equal(st.Video.FrameRate, '25');
    assert.equal(st.Video.Codec, 'H264');
    assert.equal(st.Audio.Codec, 'AAC');
    assert.equal(st.Audio.SampleRate, '44100');
    assert.match(st.RemoteAddr, /^127\.0\.0\.1:\d+$/);
    assert.match(st.ConnectedTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // Only PutLiveChannelStatus may change a live channel.
    let e = await expectOssError(() => c.putChannel('cam', conf()), STILL_LIVE);
    assert.equal(e.message, STILL_LIVE_MSG);
    e = await expectOssError(() => c.deleteChannel('cam'), STILL_LIVE);
    assert.equal(e.message, STILL_LIVE_MSG);

    // One publisher per channel: a second ffmpeg is refused.
    const second = await publish(rtmpUrl('cam'), 2).done;
    assert.notEqual(second.code, 0);
    assert.match(second.err, /ChannelStillLive/);

    const r = await pub.done;
    assert.equal(r.code, 0, r.err);
    await until('Idle after the publisher left', async () => (await c.getChannelStatus('cam')).data.Status === 'Idle');

    const pl = (await c.get('cam/playlist.m3u8')).content.toString();
    const lines = pl.trim().split('\n');
    assert.equal(lines[0], '#EXTM3U');
    const segs = lines.filter((x) => x.endsWith('.ts'));
    const infs = lines.filter((x) => x.startsWith('#EXTINF:'));
    assert.ok(segs.length >= 2 && segs.length <= 3, pl);
    assert.equal(infs.length, segs.length);
    for (const x of infs) assert.match(x, /^#EXTINF:\d+\.\d{3},$/);
    const list = await c.list({ prefix: 'cam/' });
    const keys = list.objects.map((o) => o.name);
    assert.ok(keys.includes('cam/playlist.m3u8'));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-live-'));
    let total = 0;
    for (const s of segs) {
      assert.ok(keys.includes(`cam/${s}`), `${s} listed`);
      const body = (await c.get(`cam/${s}`)).content;
      const f = path.join(tmp, s);
      fs.writeFileSync(f, body);
      const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name',
        '-of', 'csv=p=0', f], { encoding: 'utf8' });
      assert.equal(probe.status, 0, probe.stderr);
      // Streams are listed once per program and once at top level.
      assert.deepEqual([...new Set(probe.stdout.split('\n').filter(Boolean))].sort(), ['aac', 'h264']);
      const dec = spawnSync('ffmpeg', ['-v', 'error', '-i', f, '-f', 'null', '-'], { encoding: 'utf8' });
      assert.equal(dec.status, 0, dec.stderr);
      assert.equal(dec.stderr, '', `${s} decodes without errors`);
      total += Number(/^#EXTINF:([\d.]+),$/.exec(infs[segs.indexOf(s)])[1]);
    }
    fs.rmSync(tmp, { recursive: true });
    assert.ok(total > 2, `segments cover ${total} s`);

    const h = await c.getChannelHistory('cam');
    assert.ok(h.records.length >= 1);
    assert.ok(h.records[0].StartTime && h.records[0].EndTime && h.records[0].RemoteAddr);

    // VOD over the stored segments of the last hour.
    const now = Math.floor(Date.now() / 1000);
    const v = await c.createVod('cam', 'vod.m3u8', { startTime: now - 3600, endTime: now + 60 });
    assert.equal(v.res.status, 200);
    const vod = (await c.get('cam/vod.m3u8')).content.toString();
    assert.match(vod, /#EXT-X-ENDLIST\n$/);
    assert.ok(vod.split('\n').filter((x) => x.endsWith('.ts')).length >= segs.length);
    await expectOssError(() => c.createVod('cam', 'none.m3u8', { startTime: 1000, endTime: 2000 }),
      { status: 400, code: 'InvalidArgument' });

    // The objects stay after the channel is gone.
    await c.deleteChannel('cam');
    assert.ok((await c.get('cam/playlist.m3u8')).content.length > 0);
  });

test('a disabled channel refuses ffmpeg; disabling kicks a publisher',
  { skip: !haveFfmpeg && 'ffmpeg/ffprobe not installed' }, async () => {
    await c.putChannel('off', conf({ Status: 'disabled' }));
    const r = await publish(rtmpUrl('off'), 2).done;
    assert.notEqual(r.code, 0);
    assert.match(r.err, /LiveChannelDisabled/);
    const h = await c.getChannelHistory('off');
    assert.equal(h.records.length, 1);
    assert.match(d.log(), /publish to 'live-bucket\/off' refused: LiveChannelDisabled/);

    await c.putChannel('kick', conf());
    const pub = publish(rtmpUrl('kick'), 60);
    await until('Live', async () => (await c.getChannelStatus('kick')).data.Status === 'Live');
    const t0 = Date.now();
    await c.putChannelStatus('kick', 'disabled');
    const k = await pub.done;
    assert.notEqual(k.code, 0);
    assert.ok(Date.now() - t0 < 15000);
    await until('Disabled', async () => (await c.getChannelStatus('kick')).data.Status === 'Disabled');
  });

test('publish URLs: a wrong signature or none on a private bucket is refused',
  { skip: !haveFfmpeg && 'ffmpeg/ffprobe not installed' }, async () => {
    await c.putChannel('sig', conf());
    const bad = rtmpUrl('sig').replace(/Signature=[^&]+/, 'Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D');
    let r = await publish(bad, 2).done;
    assert.notEqual(r.code, 0);
    assert.match(r.err, /AccessDenied/);
    r = await publish(`rtmp://${d.rtmp}/${B}/live/sig`, 2).done;
    assert.notEqual(r.code, 0);
    assert.match(r.err, /AccessDenied/);
    assert.equal((await c.getChannelHistory('sig')).records.length, 0);
  });
