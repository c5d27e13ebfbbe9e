-- plugin-site-ahead (see first.lua): reads no data; keeps the site's title for generate
local M = {}
local kept

function M.site_loaded(site)
  kept = site.title
  return {third = {title = site.title}}
end

function M.generate(site)
  return {{path = "third.txt", content = "kept " .. tostring(kept) .. ", second " ..
    tostring(site.data.second.n) .. ", third " .. tostring(site.data.third.title) .. "\n"}}
end

return M
