-- plugin-memory-bomb
local M = {}

function M.site_loaded(site)
    local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(64) .. i end
end

return M
