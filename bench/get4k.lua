-- SPDX-License-Identifier: ISC
-- get4k.lua: wrk script for bench/run.sh. Anonymous GETs of 4 KiB objects
-- PREFIX1 .. PREFIXN (written beforehand), round robin from a per-thread
-- start so connections do not all read the same key.
--   wrk ... -s get4k.lua http://127.0.0.1:PORT -- /BUCKET/PREFIX N
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

function init(args)
	prefix = args[1]
	nkeys = tonumber(args[2])
	counter = tid * 97
end

function request()
	counter = counter + 1
	return wrk.format("GET", prefix .. (counter % nkeys + 1))
end
