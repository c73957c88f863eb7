-- wrk script for bench/platform.sh: each request goes to one of HOSTS workers, w0 to w(HOSTS-1),
-- at <worker>.DOMAIN, picked uniformly at random.
local n = tonumber(os.getenv("HOSTS") or "100")
local domain = os.getenv("DOMAIN") or "localhost"
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", os.time() + counter)
end

function init(args)
  math.randomseed(seed)
end

function request()
  wrk.headers["Host"] = "w" .. math.random(0, n - 1) .. "." .. domain
  return wrk.format("GET", "/")
end
