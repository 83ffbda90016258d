-- SPDX-License-Identifier: ISC
-- get4k.lua: wrk script for bench/run.sh. GETs of 4 KiB objects
-- PREFIX1 .. PREFIXN (written beforehand), or of the paths listed one a
-- line in FILE (presigned URLs, nginx's file), round robin from a
-- per-thread start so connections do not all read the same key.
--   wrk ... -s get4k.lua http://127.0.0.1:PORT -- /BUCKET/PREFIX N
--   wrk ... -s get4k.lua http://127.0.0.1:PORT -- @FILE
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

function init(args)
	paths = {}
	if string.sub(args[1], 1, 1) == "@" then
		for line in io.lines(string.sub(args[1], 2)) do
			paths[#paths + 1] = line
		end
	else
		for i = 1, tonumber(args[2]) do
			paths[i] = args[1] .. i
		end
	end
	counter = tid * 97
end

function request()
	counter = counter + 1
	return wrk.format("GET", paths[counter % #paths + 1])
end
