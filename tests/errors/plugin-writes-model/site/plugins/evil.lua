-- plugin-writes-model
local M = {}

function M.site_loaded(site)
    site.title = "hacked"
end

return M
