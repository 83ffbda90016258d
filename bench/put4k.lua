-- SPDX-License-Identifier: ISC
-- put4k.lua: wrk script for bench/run.sh. Anonymous 4 KiB PUTs, each to
-- a key no other request uses (run prefix, thread, counter), so every
-- request creates an object and pays the full durable commit.
--   wrk ... -s put4k.lua http://127.0.0.1:PORT -- /BUCKET/ RUNPREFIX
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

function init(args)
	prefix = args[1] .. args[2] .. "-t" .. tid .. "-"
	counter = 0
	-- 4096 bytes that differ per thread (no dedupe or compression here,
	-- but keep the body from being one repeated byte anyway).
	local parts = {}
	math.randomseed(tid * 7919)
	for i = 1, 512 do
		parts[i] = string.format("%08x", math.random(0, 0x7fffffff))
	end
	body = table.concat(parts)
	hdrs = { ["Content-Type"] = "application/octet-stream" }
end

function request()
	counter = counter + 1
	return wrk.format("PUT", prefix .. counter, hdrs, body)
end
