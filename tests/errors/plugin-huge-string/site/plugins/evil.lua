-- plugin-huge-string: one string of data is at most 64 MiB
local M = {}

function M.site_loaded(site)
    return {big = string.rep("x", (64 << 20) + 1)}
end

return M
