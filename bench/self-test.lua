-- wrk: POST the self-test form (validate, score, store, 303), as 30,000
-- visitors behind the reverse proxy (X-Forwarded-For, each in a /24 of its
-- own): one address alone is held to 60 stored results an hour, and past
-- that the page is shown without storing, which is not what visitors run.
-- At about 30k requests a second for 10 s each visitor posts about 10.
wrk.method = "POST"
wrk.body = "age=30&education=bachelor_degree&insurance_months=24&contribution_tier=x0_8&base_duration=most&suburb_years=3"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local visitors = 30000
local n = 0

request = function()
  n = n + 1
  local i = n % visitors
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.1", math.floor(i / 256), i % 256)
  return wrk.format()
end
