-- plugin-pcall-swallows-cpu-limit: pcall must not catch the CPU limit (the loop would run
-- until the watchdog); the build fails at once with the limit's message
local M = {}

function M.site_loaded(site)
    while true do
        pcall(function() while true do end end)
    end
end

return M
