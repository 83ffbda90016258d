-- SPDX-License-Identifier: ISC
-- put16.lua: wrk script for bench/growth_bench.sh. Anonymous 16-byte PUTs
-- to keys no other request uses (prefix, thread, counter); each thread
-- stops after its share of the objects to make, so a fill ends at about
-- the wanted count (a few more: the requests already in flight) and
-- creates DONE_FILE.tid, on which the caller stops wrk with SIGINT (wrk
-- would otherwise wait out its -d).
--   wrk -tT -cC -d1h -s put16.lua http://127.0.0.1:PORT -- /BUCKET/ PREFIX PER_THREAD DONE_FILE
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

function init(args)
	prefix = args[1] .. args[2] .. "-t" .. tid .. "-"
	quota = tonumber(args[3])
	done_file = args[4] .. "." .. tid
	counter = 0
	done = 0
	body = "0123456789abcdef"
	hdrs = { ["Content-Type"] = "application/octet-stream" }
end

function request()
	counter = counter + 1
	return wrk.format("PUT", prefix .. counter, hdrs, body)
end

function response(status, headers, body)
	done = done + 1
	if done == quota then
		io.open(done_file, "w"):close()
		wrk.thread:stop()
	end
end
