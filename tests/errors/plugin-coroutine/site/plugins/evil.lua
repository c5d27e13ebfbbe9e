-- plugin-coroutine: coroutines are not in the sandbox (a coroutine could run code the
-- limits do not see); saying so is clearer than "attempt to index a nil value"
local M = {}

function M.site_loaded(site)
    local f = coroutine.wrap(function() while true do end end)
    f()
end

return M
