-- stage_timeline.lua: inline SVG charts of the stages projects went through.
--
--   project timeline  page.data.timeline_svg, shortcode timeline(project="slug")
--   cohort Gantt      site.data.charts.gantt.<cohort|overall>, shortcode gantt(cohort=...)
--   cohort funnel     site.data.charts.funnel.<cohort|overall>, shortcode funnel(cohort=...)
--
-- The charts need no JavaScript and no CSS: they scale to their container (a viewBox and
-- width="100%"), carry a text alternative (role="img", aria-label, <title>, <desc>),
-- print in black and white (every mark has a stroke, every number is written as text),
-- and are deterministic (coordinates rounded to 0.1, nothing depends on pairs() order).
-- Class names for styling and tests are listed in plugins/README.md ("Bundled plugins").

local M = {}

local FONT = 'font-family="sans-serif"'
local INK = "#1f2933"      -- text and axes
local LINE = "#1f4e79"     -- marks and bar outlines (dark: they survive grey-scale print)
local FILL = "#c6dbef"     -- bar fill; only decoration, every bar also has an outline
local GRID = "#c8ccd0"
-- a white outline behind text that may cross a line keeps it readable (also on paper)
local HALO = ' paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"'

---------------------------------------------------------------------------------------
-- Helpers (strings compare with `<` in byte order: clinfolio runs in the C locale)

local function esc(s)
  return clinfolio.escape(tostring(s))
end

-- A coordinate rounded to one decimal, without a useless ".0".
local function num(x)
  local s = string.format("%.1f", x)
  s = string.gsub(s, "%.0$", "")
  if s == "-0" then s = "0" end
  return s
end

local function plural_days(n)
  return string.format("%d %s", n, (n == 1 or n == -1) and "day" or "days")
end

-- The words of a project's timeline in the language of its page (page.lang): Chinese for
-- zh and zh-*, else English.
local TIMELINE_WORDS = {
  en = {days = plural_days, later = "%s, %s later", total = "%s; %s in total", title = "Stage timeline of %s",
        sep = "; ", stop = ".", project = "the project"},
  zh = {days = function(n) return string.format("%d天", n) end, later = "%s，%s后", total = "%s；共%s",
        title = "%s的阶段时间线", sep = "；", stop = "。", project = "项目"},
}

-- The words of the cohort charts (gantt, funnel) per language; nil (a site of one
-- language) is English with both stage labels.
local CHART_WORDS = {
  en = {who_cohort = "cohort %s", who_all = "all cohorts", gantt = "Project stages over time, %s",
        gantt_cut = function(max, all, who)
          return string.format("Project stages over time, the %d most recently started of %d projects, %s",
            max, all, who)
        end,
        empty = "No project has a dated stage yet.", range = "%s from %s to %s. %s.",
        projects = function(n) return string.format("%d %s", n, n == 1 and "project" or "projects") end,
        row = "%s: %s %s", row_to = "%s to %s %s (%s)", sep = "; ", info = "%s, %s",
        funnel = "Projects reaching each stage, %s (%s)", count = "%s: %d", stop = "."},
  zh = {who_cohort = "%s批次", who_all = "全部批次", gantt = "各项目的阶段进展（%s）",
        gantt_cut = function(max, all, who)
          return string.format("各项目的阶段进展（%s，%d个项目中最近启动的%d个）", who, all, max)
        end,
        empty = "尚无项目记录阶段日期。", range = "%s，%s至%s。%s。",
        projects = function(n) return string.format("%d个项目", n) end,
        row = "%s：%s %s", row_to = "%s至%s %s（%s）", sep = "；", info = "%s，%s",
        funnel = "到达各阶段的项目（%s，共%s）", count = "%s：%d", stop = "。"},
}

local function is_zh(lang)
  return type(lang) == "string" and (lang == "zh" or string.sub(lang, 1, 3) == "zh-")
end

-- The language of the interface page is shown in (its entry of page.translations that is
-- `current`): a chart is part of the page around the text, whatever language the text is
-- written in (an English project in a Chinese site keeps a Chinese timeline).
local function interface_lang(page)
  if type(page) ~= "table" then return nil end
  for _, t in ipairs(page.translations or {}) do
    if t.current then return t.lang end
  end
  return page.lang
end

-- Dates may carry a time ("2023-01-05T08:30:00+08:00"); the charts work in whole days.
local function day_of(date)
  return string.sub(tostring(date), 1, 10)
end

local function text_of(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return tostring(math.tointeger(v) or v) end
  return nil
end

-- "Prototype · 原型" when the stage has a Chinese label.
local function stage_label(st)
  local label = text_of(st.label) or st.key
  local zh = text_of(st.label_zh)
  if zh and zh ~= "" then label = label .. " · " .. zh end
  return label
end

-- Approximate width of a text in font units: CJK and other wide characters take a full
-- em, the rest about 0.55 em. Used only to keep labels inside their column.
local function text_width(s, size)
  local ok, w = pcall(function()
    local total = 0
    for _, cp in utf8.codes(s) do total = total + ((cp >= 0x2E80) and 1.0 or 0.55) end
    return total
  end)
  return (ok and w or #s * 0.55) * size
end

-- s cut to fit max_width (in font units), ending with "…" when it was cut.
local function fit(s, max_width, size)
  if text_width(s, size) <= max_width then return s end
  local ok, cut = pcall(function()
    local out, w = {}, text_width("…", size)
    for _, cp in utf8.codes(s) do
      w = w + ((cp >= 0x2E80) and 1.0 or 0.55) * size
      if w > max_width then break end
      out[#out + 1] = utf8.char(cp)
    end
    return (string.gsub(table.concat(out), "%s+$", "")) .. "…"
  end)
  return ok and cut or s
end

-- A stage's name in lang: "zh" (label_zh, else label), "en" (label), nil (both, in a site
-- of one language: "Prototype · 原型").
local function stage_name(st, lang)
  if lang == "zh" then return text_of(st.label_zh) or text_of(st.label) or st.key end
  if lang == "en" then return text_of(st.label) or st.key end
  return stage_label(st)
end

-- The dated stages of a project in site.yaml order: {key, label (stage_name), short
-- (without the Chinese label), date = "YYYY-MM-DD"}.
local function dated_stages(page, lang)
  local list = {}
  for _, st in ipairs(page.stages or {}) do
    if st.date ~= nil then
      list[#list + 1] = {key = st.key, label = stage_name(st, lang), short = text_of(st.label) or st.key,
                         date = day_of(st.date)}
    end
  end
  return list
end

-- The opening of an accessible, scalable SVG: the short title is the accessible name
-- (aria-label, as ids could clash when a chart appears twice on a page) and <desc>
-- gives the data in words.
local function svg_open(class, width, height, title, desc)
  return {
    string.format('<svg xmlns="http://www.w3.org/2000/svg" class="cf-chart %s" viewBox="0 0 %s %s" ' ..
      'width="100%%" role="img" aria-label="%s" %s font-size="12" fill="%s">',
      class, num(width), num(height), esc(title), FONT, INK),
    "<title>" .. esc(title) .. "</title>",
    "<desc>" .. esc(desc) .. "</desc>",
  }
end

local function text(x, y, s, extra)
  return string.format('<text x="%s" y="%s"%s>%s</text>', num(x), num(y), extra or "", esc(s))
end

local function line(x1, y1, x2, y2, attrs)
  return string.format('<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>', num(x1), num(y1), num(x2), num(y2), attrs)
end

-- "YYYY-MM-01" for every month m of [from, to] (dates as text) with (m - 1) % step == 0.
local function month_ticks(from, to, step)
  local y, m = tonumber(string.sub(from, 1, 4)), tonumber(string.sub(from, 6, 7))
  local ticks = {}
  while true do
    local d = string.format("%04d-%02d-01", y, m)
    if to < d then break end
    if (m - 1) % step == 0 and d >= from then ticks[#ticks + 1] = d end
    m = m + 1
    if m > 12 then y, m = y + 1, 1 end
  end
  return ticks
end

---------------------------------------------------------------------------------------
-- Project timeline: one row per dated stage, the mark at its date on a shared time axis.

local TL = {width = 720, label_x = 8, x0 = 236, x1 = 688, top = 12, row = 26}

-- The timeline of project page, in the words of the language in_lang (the page it is
-- shown on) in a site of several languages; else English, with stages in both.
local function timeline_svg(page, site, in_lang)
  local several = type(site.languages) == "table" and #site.languages > 1
  local lang = several and (is_zh(in_lang) and "zh" or "en") or nil
  local W = TIMELINE_WORDS[lang or "en"]
  local stages = dated_stages(page, lang)
  if #stages == 0 then return nil end
  local first = stages[1].date
  local lo, hi, lo_date, hi_date = 0, 0, first, first
  for _, st in ipairs(stages) do
    st.offset = clinfolio.days(first, st.date)
    if st.offset < lo then lo, lo_date = st.offset, st.date end
    if st.offset > hi then hi, hi_date = st.offset, st.date end
  end
  local function x_of(offset)
    if hi == lo then return (TL.x0 + TL.x1) / 2 end
    return TL.x0 + (offset - lo) * (TL.x1 - TL.x0) / (hi - lo)
  end
  local mid = (TL.x0 + TL.x1) / 2
  local axis_y = TL.top + #stages * TL.row + 6
  local height = axis_y + 28

  -- the words: "Clinical need 2023-01-05; Prototype 2023-01-12, 7 days later; ..."
  local words = {}
  for i, st in ipairs(stages) do
    local w = st.label .. " " .. st.date
    if i > 1 then w = string.format(W.later, w, W.days(clinfolio.days(stages[i - 1].date, st.date))) end
    words[#words + 1] = w
  end
  local desc = table.concat(words, W.sep)
  if #stages > 1 then desc = string.format(W.total, desc, W.days(clinfolio.days(first, stages[#stages].date))) end
  desc = desc .. W.stop
  local title = string.format(W.title, text_of(page.title) or page.slug or W.project)
  local out = svg_open("cf-timeline", TL.width, height, title, desc)

  -- time axis with month, quarter, half-year or year ticks (at most 7), or only its two
  -- ends for a short project
  out[#out + 1] = line(TL.x0, axis_y, TL.x1, axis_y, string.format('class="cf-axis" stroke="%s"', INK))
  local ticks, step = {}, 12
  for _, s in ipairs({1, 2, 3, 6, 12}) do
    ticks, step = month_ticks(lo_date, hi_date, s), s
    if #ticks <= 7 then break end
  end
  if #ticks >= 2 then
    for _, d in ipairs(ticks) do
      local x = x_of(clinfolio.days(first, d))
      out[#out + 1] = line(x, TL.top, x, axis_y, string.format('stroke="%s" stroke-dasharray="2 3"', GRID))
      out[#out + 1] = line(x, axis_y, x, axis_y + 5, string.format('stroke="%s"', INK))
      out[#out + 1] = text(x, axis_y + 18, step == 12 and string.sub(d, 1, 4) or string.sub(d, 1, 7),
        ' class="cf-tick" text-anchor="middle" font-size="11"')
    end
  elseif hi > lo then
    out[#out + 1] = text(TL.x0, axis_y + 18, lo_date, ' class="cf-tick" font-size="11"')
    out[#out + 1] = text(TL.x1, axis_y + 18, hi_date, ' class="cf-tick" text-anchor="end" font-size="11"')
  else
    out[#out + 1] = text(x_of(lo), axis_y + 18, lo_date, ' class="cf-tick" text-anchor="middle" font-size="11"')
  end

  -- rows: stage label, dotted guide, mark, date and days since the previous stage
  local points = {}
  for i, st in ipairs(stages) do
    local y = TL.top + (i - 0.5) * TL.row
    local x = x_of(st.offset)
    points[#points + 1] = num(x) .. "," .. num(y)
    out[#out + 1] = text(TL.label_x, y + 4, fit(st.label, TL.x0 - TL.label_x - 10, 12), ' class="cf-label"')
    out[#out + 1] = line(TL.x0, y, TL.x1, y, string.format('stroke="%s" stroke-dasharray="1 4"', GRID))
  end
  if #points > 1 then
    out[#out + 1] = string.format('<polyline class="cf-path" points="%s" fill="none" stroke="%s" stroke-width="1.5"/>',
      table.concat(points, " "), LINE)
  end
  for i, st in ipairs(stages) do
    local y = TL.top + (i - 0.5) * TL.row
    local x = x_of(st.offset)
    local last = i == #stages
    out[#out + 1] = string.format('<circle class="cf-mark" data-stage="%s" data-date="%s" cx="%s" cy="%s" r="5" ' ..
      'fill="%s" stroke="%s" stroke-width="2"/>', esc(st.key), esc(st.date), num(x), num(y),
      last and LINE or "#fff", LINE)
    local note = st.date
    if i > 1 then
      local d = clinfolio.days(stages[i - 1].date, st.date)
      note = note .. string.format(" (%s%s)", d >= 0 and "+" or "", W.days(d))
    end
    -- the note goes on the side of the mark where there is room
    if x <= mid then
      out[#out + 1] = text(x + 10, y + 4, note, ' class="cf-days" font-size="11"' .. HALO)
    else
      out[#out + 1] = text(x - 10, y + 4, note, ' class="cf-days" text-anchor="end" font-size="11"' .. HALO)
    end
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

---------------------------------------------------------------------------------------
-- Cohort Gantt: one row per project, a bar from its first to its last dated stage.

local GT = {width = 780, label_x = 8, x0 = 236, x1 = 590, info_x = 600, top = 10, row = 24}
-- At most this many rows (the most recently started projects): 100 rows are ~25 KB of
-- SVG, where 10,000 were 10 MB. The page that shows a capped chart links the full list.
local GANTT_MAX_ROWS = 100

-- Returns the SVG and the number of projects with a dated stage (rows before the cap).
local function gantt_svg(projects, cohort, lang)
  local W, days = CHART_WORDS[lang or "en"], (TIMELINE_WORDS[lang or "en"]).days
  local rows = {}
  for _, p in ipairs(projects) do
    local stages = dated_stages(p, lang)
    if #stages > 0 then
      local lo, hi = stages[1].date, stages[1].date
      for _, st in ipairs(stages) do
        if st.date < lo then lo = st.date end
        if hi < st.date then hi = st.date end
      end
      rows[#rows + 1] = {page = p, stages = stages, lo = lo, hi = hi,
                         title = text_of(p.title) or "", slug = text_of(p.slug) or ""}
    end
  end
  -- by start date, then title, then slug
  table.sort(rows, function(a, b)
    if a.lo ~= b.lo then return a.lo < b.lo end
    if a.title ~= b.title then return a.title < b.title end
    return a.slug < b.slug
  end)

  local who = cohort and string.format(W.who_cohort, cohort) or W.who_all
  local title = string.format(W.gantt, who)
  if #rows == 0 then
    local out = svg_open("cf-gantt", GT.width, 40, title, W.empty)
    out[#out + 1] = text(GT.label_x, 24, W.empty, ' class="cf-empty"')
    out[#out + 1] = "</svg>"
    return table.concat(out, "\n"), 0
  end
  local n_all = #rows
  if n_all > GANTT_MAX_ROWS then
    -- the latest: the last GANTT_MAX_ROWS in start order, still drawn in that order
    table.move(rows, n_all - GANTT_MAX_ROWS + 1, n_all, 1)
    for i = n_all, GANTT_MAX_ROWS + 1, -1 do rows[i] = nil end
    title = W.gantt_cut(GANTT_MAX_ROWS, n_all, who)
  end

  -- the axis covers whole years: from 1 January of the first year to 1 January after the last
  local lo, hi = rows[1].lo, rows[1].hi
  for _, r in ipairs(rows) do
    if r.lo < lo then lo = r.lo end
    if hi < r.hi then hi = r.hi end
  end
  local y0, y1 = tonumber(string.sub(lo, 1, 4)), tonumber(string.sub(hi, 1, 4)) + 1
  local start = string.format("%04d-01-01", y0)
  local span = clinfolio.days(start, string.format("%04d-01-01", y1))
  local function x_of(date)
    return GT.x0 + clinfolio.days(start, date) * (GT.x1 - GT.x0) / span
  end
  local axis_y = GT.top + #rows * GT.row + 4
  local height = axis_y + 26

  local words = {}
  for _, r in ipairs(rows) do
    local a, b = r.stages[1], r.stages[#r.stages]
    local w = string.format(W.row, r.title, a.label, a.date)
    if #r.stages > 1 then
      w = string.format(W.row_to, w, b.label, b.date, days(clinfolio.days(a.date, b.date)))
    end
    words[#words + 1] = w
  end
  local desc = string.format(W.range, W.projects(#rows), lo, hi, table.concat(words, W.sep))
  local out = svg_open("cf-gantt", GT.width, height, title, desc)

  -- year boundaries and year labels centred in their band
  out[#out + 1] = line(GT.x0, axis_y, GT.x1, axis_y, string.format('class="cf-axis" stroke="%s"', INK))
  for y = y0, y1 do
    local x = x_of(string.format("%04d-01-01", y))
    out[#out + 1] = line(x, GT.top, x, axis_y + 5, string.format('stroke="%s" stroke-dasharray="2 3"', GRID))
    if y < y1 then
      local x_next = x_of(string.format("%04d-01-01", y + 1))
      out[#out + 1] = text((x + x_next) / 2, axis_y + 17, tostring(y),
        ' class="cf-tick" text-anchor="middle" font-size="11"')
    end
  end

  for i, r in ipairs(rows) do
    local yc = GT.top + (i - 0.5) * GT.row
    out[#out + 1] = string.format('<g class="cf-row" data-project="%s">', esc(r.slug))
    out[#out + 1] = text(GT.label_x, yc + 4, fit(r.title, GT.x0 - GT.label_x - 10, 11), ' class="cf-label" font-size="11"')
    local xa, xb = x_of(r.lo), x_of(r.hi)
    out[#out + 1] = string.format('<rect class="cf-bar" x="%s" y="%s" width="%s" height="10" fill="%s" stroke="%s"/>',
      num(xa), num(yc - 5), num(xb - xa), FILL, LINE)
    for j, st in ipairs(r.stages) do
      out[#out + 1] = string.format('<circle class="cf-mark" data-stage="%s" data-date="%s" cx="%s" cy="%s" r="3.5" ' ..
        'fill="%s" stroke="%s" stroke-width="1.5"/>', esc(st.key), esc(st.date), num(x_of(st.date)), num(yc),
        j == #r.stages and LINE or "#fff", LINE)
    end
    -- the latest stage and the cycle time, in words
    local last = r.stages[#r.stages]
    local info = lang == "zh" and last.label or last.short
    if #r.stages > 1 then info = string.format(W.info, info, days(clinfolio.days(r.stages[1].date, last.date))) end
    out[#out + 1] = text(GT.info_x, yc + 4, fit(info, GT.width - GT.info_x - 4, 11), ' class="cf-info" font-size="11"')
    out[#out + 1] = "</g>"
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n"), n_all
end

---------------------------------------------------------------------------------------
-- Cohort funnel: per stage, a centred bar as wide as the share of projects with that stage.

local FN = {width = 720, label_x = 8, x0 = 236, x1 = 600, count_x = 612, top = 10, row = 26, bar = 18}

local function funnel_svg(projects, site, cohort, lang)
  local W = CHART_WORDS[lang or "en"]
  local total = #projects
  local counts = {}
  for _, p in ipairs(projects) do
    for _, st in ipairs(p.stages or {}) do
      if st.date ~= nil then counts[st.key] = (counts[st.key] or 0) + 1 end
    end
  end
  local stages = {}
  for _, st in ipairs(site.stages or {}) do
    stages[#stages + 1] = {key = st.key, label = stage_name(st, lang), count = counts[st.key] or 0}
  end

  local who = cohort and string.format(W.who_cohort, cohort) or W.who_all
  local title = string.format(W.funnel, who, W.projects(total))
  local words = {}
  for _, st in ipairs(stages) do words[#words + 1] = string.format(W.count, st.label, st.count) end
  local height = FN.top + #stages * FN.row + 8
  local out = svg_open("cf-funnel", FN.width, height, title, table.concat(words, W.sep) .. W.stop)

  local cx, full = (FN.x0 + FN.x1) / 2, FN.x1 - FN.x0
  for i, st in ipairs(stages) do
    local yc = FN.top + (i - 0.5) * FN.row
    local w = total > 0 and st.count * full / total or 0
    out[#out + 1] = text(FN.label_x, yc + 4, fit(st.label, FN.x0 - FN.label_x - 10, 12), ' class="cf-label"')
    out[#out + 1] = string.format('<rect class="cf-funnel-bar" data-stage="%s" data-count="%d" x="%s" y="%s" ' ..
      'width="%s" height="%s" fill="%s" stroke="%s"/>', esc(st.key), st.count, num(cx - w / 2),
      num(yc - FN.bar / 2), num(w), num(FN.bar), FILL, LINE)
    local share = total > 0 and string.format(" (%d%%)", math.floor(st.count * 100 / total + 0.5)) or ""
    out[#out + 1] = text(FN.count_x, yc + 4, tostring(st.count) .. share, ' class="cf-count"')
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

---------------------------------------------------------------------------------------
-- Cohorts

-- The cohorts of the published projects, sorted, and the projects of each.
local function cohorts_of(site)
  local names, by = {}, {}
  for _, p in ipairs(site.projects or {}) do
    local c = text_of(p.cohort)
    if c then
      if not by[c] then
        by[c] = {}
        names[#names + 1] = c
      end
      table.insert(by[c], p)
    end
  end
  table.sort(names)
  return names, by
end

-- The projects of cohort `c` (all projects when c is nil); unknown cohorts are errors.
local function cohort_projects(site, c)
  if c == nil then return site.projects or {} end
  local names, by = cohorts_of(site)
  if not by[c] then
    error(string.format("unknown cohort '%s' (cohorts: %s)", c, table.concat(names, ", ")), 0)
  end
  return by[c]
end

---------------------------------------------------------------------------------------
-- Hooks

-- The cohort charts in language lang (nil: a site of one language).
local function charts_in(site, lang)
  local funnel = {overall = funnel_svg(site.projects or {}, site, nil, lang)}
  local gantt, rows = {}, {}
  gantt.overall, rows.overall = gantt_svg(site.projects or {}, nil, lang)
  local names, by = cohorts_of(site)
  for _, c in ipairs(names) do
    funnel[c] = funnel_svg(by[c], site, c, lang)
    gantt[c], rows[c] = gantt_svg(by[c], c, lang)
  end
  -- gantt_rows: projects with a dated stage per chart; a chart shows at most gantt_max_rows
  return {funnel = funnel, gantt = gantt, gantt_rows = rows, gantt_max_rows = GANTT_MAX_ROWS}
end

-- charts: in the default language; in a site of several languages also charts_in.<code>
-- for each of them (the same figures in its words), which themes show in that language.
function M.site_loaded(site)
  local langs = type(site.languages) == "table" and #site.languages > 1 and site.languages or nil
  if not langs then return {charts = charts_in(site, nil)} end
  local by_lang = {}
  for _, l in ipairs(langs) do
    by_lang[l.code] = charts_in(site, is_zh(l.code) and "zh" or "en")
  end
  return {charts = by_lang[langs[1].code], charts_in = by_lang}
end

function M.page(page, site)
  if page.section == "projects" then
    local svg = timeline_svg(page, site, interface_lang(page))
    if svg then return {timeline_svg = svg} end
  end
end

-- Rejects arguments other than those named in `allowed` (name -> true).
local function check_args(args, allowed, list)
  local names = {}
  for k in pairs(args) do names[#names + 1] = tostring(k) end
  table.sort(names)
  for _, k in ipairs(names) do
    if not allowed[k] then
      error(string.format("unknown argument '%s' (arguments: %s)", k, list), 0)
    end
  end
end

-- The cohort= argument as text (cohort=2023 and cohort="2023" are the same), or nil.
local function cohort_arg(args)
  local c = args.cohort
  if c == nil then return nil end
  if type(c) ~= "string" and type(c) ~= "number" then
    error(string.format("argument 'cohort' must be a string or a number, not %s", type(c) == "boolean" and "true/false" or type(c)), 0)
  end
  return text_of(c)
end

-- The language of a chart a shortcode draws (see timeline_svg): the interface language of
-- the page it is on in a site of several languages, else nil.
local function chart_lang(ctx)
  if not (type(ctx.site.languages) == "table" and #ctx.site.languages > 1) then return nil end
  return is_zh(interface_lang(ctx.page) or ctx.site.language) and "zh" or "en"
end

M.shortcodes = {
  timeline = function(args, ctx)
    check_args(args, {project = true}, "project")
    local slug = args.project
    if slug == nil then error("argument 'project' is required (the project's slug)", 0) end
    if type(slug) ~= "string" then error("argument 'project' must be a string, not " .. type(slug), 0) end
    for _, p in ipairs(ctx.site.projects or {}) do
      if p.slug == slug then
        local svg = timeline_svg(p, ctx.site, interface_lang(ctx.page) or ctx.site.language)
        if not svg then
          clinfolio.warn(string.format("project '%s' has no dated stage: its timeline is empty", slug))
          return ""
        end
        return svg
      end
    end
    error(string.format("unknown project '%s' (no published project has this slug)", slug), 0)
  end,

  funnel = function(args, ctx)
    check_args(args, {cohort = true}, "cohort")
    local c = cohort_arg(args)
    return funnel_svg(cohort_projects(ctx.site, c), ctx.site, c, chart_lang(ctx))
  end,

  gantt = function(args, ctx)
    check_args(args, {cohort = true}, "cohort")
    local c = cohort_arg(args)
    return (gantt_svg(cohort_projects(ctx.site, c), c, chart_lang(ctx)))
  end,
}

return M
