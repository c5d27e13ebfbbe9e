-- plugin-runtime-error
local M = {}

function M.site_loaded(site)
    local cohorts = nil
    return {n = #cohorts}
end

return M
