-- plugin-page-ahead: with several threads the page hooks start while site_loaded still
-- runs (slowly here), against a site without `data`. A hook that reads site.data, or goes
-- through every key of site, must run again once site_loaded is done: every page shows
-- what it published, a warning comes once, and -j 1 and -j 8 give the same files. A site
-- a hook kept in a file-level variable reads, in later calls, as the site they get.
local M = {}
local kept_site

function M.site_loaded(site)
  local x = 0
  for i = 1, 20000000 do x = x + i % 7 end -- long enough for the other threads to start
  return {answer = 42, spin = x}
end

function M.page(page, site)
  local n = tonumber(page.title:match("%d+"))
  if not n then return nil end -- the base site's pages
  if n % 4 == 0 then -- through every key of site
    local keys = {}
    for k in pairs(site) do keys[#keys + 1] = k end
    table.sort(keys)
    return {mark = "p" .. n .. " keys " .. table.concat(keys, ",")}
  elseif n % 2 == 1 then -- reads site.data (nil, not an error, when run too early)
    local answer = site.data and site.data.answer
    if n == 9 then clinfolio.warn("page 9 read the answer " .. tostring(answer)) end
    return {mark = "p" .. n .. " data " .. tostring(answer)}
  end
  if n % 8 == 2 then -- the first site this state's hooks saw, kept
    kept_site = kept_site or site
    return {mark = "p" .. n .. " plain, kept " ..
      tostring(kept_site.data and kept_site.data.answer)}
  end
  return {mark = "p" .. n .. " plain"}
end

return M
