local M = {}

M.shortcodes = {
    metric = function(args, ctx)
        if args.name ~= "projects" then
            error("unknown metric '" .. tostring(args.name) .. "'", 0)
        end
        return tostring(#ctx.site.projects)
    end,
    broken = function(args, ctx)
        return args.missing.field
    end,
}

return M
