-- plugin-shortcode-infinity: a shortcode's number is text only when it is finite
local M = {}

M.shortcodes = {
    big = function(args, ctx) return math.huge end,
}

return M
