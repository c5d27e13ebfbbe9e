-- plugin-infinite-loop
local M = {}

function M.site_loaded(site)
    while true do end
end

return M
