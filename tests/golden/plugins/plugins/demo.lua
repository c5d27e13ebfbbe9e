local M = {}
function M.site_loaded(site)
  local n = 0
  for _, p in ipairs(site.projects) do n = n + 1 end
  return {demo = {count = n, first = site.projects[1].title}}
end
function M.page(page, site)
  if page.section == "projects" then
    local s = {}
    for _, st in ipairs(page.stages) do s[#s+1] = st.key .. "@" .. st.date .. "+" .. st.days end
    return {stage_list = table.concat(s, ","), cohort = page.cohort}
  end
end
function M.generate(site)
  return {{path = "demo.json", content = clinfolio.json(site.data.demo)},
          {path = "extra/", template = "page.html", data = {title = "Extra page"}}}
end
M.filters = {shout = function(input, args) return string.upper(tostring(input)) .. (args.mark or "!") end}
M.shortcodes = {count = function(args, ctx) return "<b>" .. clinfolio.escape(ctx.site.data.demo.count .. (args.suffix or "")) .. "</b>" end,
  box = function(args, ctx) return '<div class="box">' .. clinfolio.escape(ctx.page.title) .. '</div>' end}
return M
