-- plugin-site-ahead (see first.lua): reads what the first plugin published
local M = {}

function M.site_loaded(site)
  local n = site.data and site.data.first and site.data.first.n
  clinfolio.warn("second saw " .. tostring(n))
  return {second = {n = (n or 0) * 2}}
end

return M
