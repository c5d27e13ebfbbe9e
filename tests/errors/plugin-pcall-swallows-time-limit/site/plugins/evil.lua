-- plugin-pcall-swallows-time-limit: pcall must not catch the time limit either (the
-- watchdog's "inside a library call" would end the build after twice the limit)
local M = {}

function M.site_loaded(site)
    while true do
        pcall(function() while true do local s = string.rep("x", 100000) end end)
    end
end

return M
