-- plugin-site-ahead (see first.lua): reads no data; keeps the site's title, and the site
-- itself, for generate: the site it kept reads as the one generate gets, data and all
local M = {}
local kept, kept_site

function M.site_loaded(site)
  kept, kept_site = site.title, site
  return {third = {title = site.title}}
end

function M.generate(site)
  return {{path = "third.txt", content = "kept " .. tostring(kept) .. ", second " ..
    tostring(site.data.second.n) .. ", third " .. tostring(site.data.third.title) ..
    ", kept site's second " .. tostring(kept_site.data and kept_site.data.second.n) ..
    ", the same site " .. tostring(kept_site == site) .. "\n"}}
end

return M
