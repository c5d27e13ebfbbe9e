-- plugin-site-ahead: with several threads the site_loaded hooks of the plugins after the
-- first (second.lua, third.lua) start while the first's still runs (slowly here), against
-- a site without `data`. second.lua reads site.data, so it must run again after first.lua
-- and see its 7 (its warning comes once); third.lua does not, and what its site_loaded
-- kept in a file-level variable must be there for its generate. -j 1 and -j 8 give the
-- same files and diagnostics.
local M = {}

function M.site_loaded(site)
  local x = 0
  for i = 1, 20000000 do x = x + i % 7 end -- long enough for the other thread to start
  return {first = {n = 7, spin = x}}
end

return M
