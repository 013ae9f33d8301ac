-- wrk_report.lua - wrk's own statistics as one line for serve.csv
-- (scripts/serve.sh runs `wrk -s scripts/wrk_report.lua URL`):
--
--   wrk,<requests>,<duration_s>,<p50_ms>,<p99_ms>,<max_ms>,<connect>,<read>,<write>,<status>,<timeout>
--
-- the last five wrk's error counts. With WRK_CPU_N set, 1 request in
-- WRK_CPU_EVERY (default 100) of each wrk thread is GET /cpu?n=WRK_CPU_N,
-- the rest the URL's own: the mixed load.
local cpu_n = os.getenv("WRK_CPU_N")
local every = tonumber(os.getenv("WRK_CPU_EVERY") or "100")
local count = 0

if cpu_n then
	request = function()
		count = count + 1
		if count % every == 0 then
			return wrk.format(nil, "/cpu?n=" .. cpu_n)
		end
		return wrk.format(nil)
	end
end

done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("wrk,%d,%.3f,%.3f,%.3f,%.3f,%d,%d,%d,%d,%d\n",
		summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		e.connect, e.read, e.write, e.status, e.timeout))
end
