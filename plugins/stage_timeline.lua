-- stage_timeline.lua: inline SVG charts of the stages projects went through.
--
--   project timeline  page.data.timeline_svg, shortcode timeline(project="slug")
--   cohort Gantt      site.data.charts.gantt.<cohort|overall>, shortcode gantt(cohort=...)
--   cohort funnel     site.data.charts.funnel.<cohort|overall>, shortcode funnel(cohort=...)
--
-- Each chart is two SVGs: a wide one (class cf-wide) and a narrow one for phones
-- (cf-narrow, display="none" until a stylesheet shows it: themes/default/static/css/
-- charts.css swaps them at 48em). Both are laid out by rules, not by luck: every text has
-- a box (an estimate of its width in the widest likely font, its height that of a CJK
-- font), texts stand in their own columns or lines, never on a mark, a bar or a line, and
-- marks of one row keep a minimum distance. Text is 16 units high in a viewBox about as
-- wide as the chart is shown (760 and 340), so it shows at about the body size.
--
-- The charts need no JavaScript: they scale to their container (a viewBox and
-- width="100%"), carry a text alternative (aria-label, <title>, <desc>), print in black
-- and white (every mark has a stroke, every number is written as text), and are
-- deterministic (coordinates rounded to 0.1, nothing depends on pairs() order). Colours
-- are presentation attributes (for a feed reader without the stylesheet) that charts.css
-- replaces through the classes (light, dark and print). No font-family: the chart takes
-- the page's. Class names for styling and tests are listed in plugins/README.md.

local M = {}

-- fallback colours, when no stylesheet applies (a feed reader); print.css knows them
local INK = "#1f2933"      -- text and axes
local LINE = "#1f4e79"     -- marks and bar outlines (dark: they survive grey-scale print)
local FILL = "#c6dbef"     -- bar fill; only decoration, every bar also has an outline
local GRID = "#c8ccd0"
local PAPER = "#fff"       -- the inside of hollow marks

local FONT = 16            -- text: the body size when the chart is shown 1:1
local TICK = 14            -- axis labels
local LH = 25              -- line pitch: a line box of a CJK font (1.45 em) and a gap
-- A text's box around its baseline b, in em: [b - ASCENT, b + DESCENT] (Noto Sans CJK, the
-- tallest of the fonts the theme asks for: its line box is 1.5 em)
local ASCENT, DESCENT = 1.16, 0.34
local WIDE, NARROW = 760, 340 -- viewBox widths: about the chart's width at 1280 and 390 px
local GAP = 12             -- between a text and a mark, a bar or another column

---------------------------------------------------------------------------------------
-- Helpers (strings compare with `<` in byte order: clinfolio runs in the C locale)

-- (the SVG helpers build text with `..` rather than string.format: a timeline is drawn for
-- every project page, and this is the plugin's hot path)
local function esc(s)
  return clinfolio.escape(s) -- s itself when it has nothing to escape
end

-- A coordinate rounded to one decimal (half up), without a useless ".0". The text of the
-- whole numbers a chart uses is made once.
local INT_TEXT, DECIMAL = {}, {}
for i = 0, 4095 do INT_TEXT[i] = tostring(i) end
for i = 1, 9 do DECIMAL[i] = "." .. i end

-- the text of each coordinate made lately, by its tenths (charts repeat their coordinates
-- from page to page): only a memo, emptied when it grows
local num_memo, num_memo_size = {}, 0

local function num(x)
  -- floor without a call, and no float `%` (fmod): floats, which index as integers
  local t = (x * 10 + 0.5) // 1
  local s = num_memo[t]
  if s then return s end
  local whole = t // 10
  local tenth = t - whole * 10
  s = INT_TEXT[whole]
  if not s then
    if t < 0 then return (string.format("%.1f", t / 10):gsub("%.0$", "")) end
    s = tostring(math.tointeger(whole) or whole) -- "5000", not "5000.0"
  end
  if tenth ~= 0 then s = s .. DECIMAL[tenth] end
  if num_memo_size >= 65536 then num_memo, num_memo_size = {}, 0 end
  num_memo[t], num_memo_size = s, num_memo_size + 1
  return s
end

local function plural_days(n)
  return string.format("%d %s", n, (n == 1 or n == -1) and "day" or "days")
end

-- The words of a project's timeline in the language of its page (page.lang): Chinese for
-- zh and zh-*, else English.
local TIMELINE_WORDS = {
  en = {days = plural_days, later = "%s, %s later", total = "%s; %s in total", title = "Stage timeline of %s",
        sep = "; ", stop = ".", project = "the project", note = "%s (%s%s)"},
  zh = {days = function(n) return string.format("%d天", n) end, later = "%s，%s后", total = "%s；共%s",
        title = "%s的阶段时间线", sep = "；", stop = "。", project = "项目", note = "%s（%s%s）"},
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
        funnel = "Projects reaching each stage, %s (%s)", count = "%s: %d", stop = ".", list = ", "},
  zh = {who_cohort = "%s批次", who_all = "全部批次", gantt = "各项目的阶段进展（%s）",
        gantt_cut = function(max, all, who)
          return string.format("各项目的阶段进展（%s，%d个项目中最近启动的%d个）", who, all, max)
        end,
        empty = "尚无项目记录阶段日期。", range = "%s，%s至%s。%s。",
        projects = function(n) return string.format("%d个项目", n) end,
        row = "%s：%s %s", row_to = "%s至%s %s（%s）", sep = "；", info = "%s，%s",
        funnel = "到达各阶段的项目（%s，共%s）", count = "%s：%d", stop = "。", list = "、"},
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

-- "Prototype · 原型" when the stage has a Chinese label. Made once per key and labels, not
-- once per stage of every project (a facts edit at 10,000 projects: site_loaded 0.99 G
-- instructions before, 0.94-0.95 G so). Takes the stage's fields, not the stage: a page's
-- stages are read-only views, each field read a call into the host.
local labels = {}
local function stage_label(key, label, label_zh)
  local made = labels[key]
  if made and made.label == label and made.label_zh == label_zh then return made.text end
  local text = text_of(label) or key
  local zh = text_of(label_zh)
  if zh and zh ~= "" then text = text .. " · " .. zh end
  if key ~= nil then labels[key] = {label = label, label_zh = label_zh, text = text} end
  return text
end

---------------------------------------------------------------------------------------
-- Text boxes

-- The advance of a character in em, on the generous side: DejaVu Sans (the widest Latin
-- of the fonts a reader may get for system-ui) for Latin, a full em for CJK and other
-- wide characters. Only used to keep texts apart; tests/plugins/chart_layout_test.py
-- measures with the same table.
local NARROW_CHARS = {[0x20] = 0.32, [0x2C] = 0.32, [0x2E] = 0.32, [0x3A] = 0.34, [0x3B] = 0.34,
  [0x28] = 0.39, [0x29] = 0.39, [0x2D] = 0.37, [0x27] = 0.28, [0x69] = 0.28, [0x6A] = 0.28,
  [0x6C] = 0.28, [0x66] = 0.36, [0x74] = 0.4, [0x72] = 0.42, [0xB7] = 0.32}
local WIDE_CHARS = {[0x6D] = 0.98, [0x77] = 0.82, [0x4D] = 0.87, [0x57] = 0.99, [0x25] = 0.95,
  [0x2B] = 0.84, [0x3D] = 0.84, [0x3C] = 0.84, [0x3E] = 0.84, [0x23] = 0.84, [0x40] = 1.0,
  [0x26] = 0.78, [0x2026] = 1.0}

local function char_em(cp)
  local w = NARROW_CHARS[cp] or WIDE_CHARS[cp]
  if w then return w end
  if cp >= 0x2E80 then return 1.0 end
  if cp >= 0x30 and cp <= 0x39 then return 0.64 end
  if cp >= 0x41 and cp <= 0x5A then return 0.78 end
  if cp >= 0x61 and cp <= 0x7A then return 0.64 end
  if cp < 0x80 then return 0.5 end
  return 0.72
end

-- char_em of every ASCII byte: most texts are ASCII, measured byte by byte
local ASCII_EM = {}
for b = 0, 127 do ASCII_EM[b] = char_em(b) end

-- The code points of s (bytes that are not UTF-8 count as one character each).
local function codes(s)
  local list = {}
  if utf8.len(s) then
    for _, cp in utf8.codes(s) do list[#list + 1] = cp end
  else
    for i = 1, #s do list[i] = string.byte(s, i) end
  end
  return list
end

local function width_of(cps, i, j, size)
  local w = 0
  for k = i, j do w = w + char_em(cps[k]) end
  return w * size
end

-- widths in em of the texts measured lately (stage names and dates recur on every page):
-- only a memo, emptied when it grows
local em_memo, em_memo_size = {}, 0

local function measure(s)
  local em = 0
  for i = 1, #s do
    local w = ASCII_EM[string.byte(s, i)] -- nil past ASCII: then by code points
    if not w then
      local cps = codes(s)
      return width_of(cps, 1, #cps, 1)
    end
    em = em + w
  end
  return em
end

-- Every digit is as wide as "0", so a text with digits ("2024-03-05 (+45 days)", a note
-- that differs on every page) is measured as its shape, the digits made zeros: the same
-- widths added in the same order, the same number, and one shape for most notes (the
-- timelines measured their notes byte by byte: 9% of the plugin's instructions).
local function text_width(s, size)
  local em = em_memo[s]
  if em then return em * size end
  local shape = string.gsub(s, "%d", "0") -- s itself when it has no digit
  em = em_memo[shape]
  if not em then
    em = measure(shape)
    if em_memo_size >= 4096 then em_memo, em_memo_size = {}, 0 end
    em_memo[shape], em_memo_size = em, em_memo_size + 1
  end
  return em * size
end

local function is_wide(cp)
  return cp >= 0x2E80
end

-- char() of a list of code points from i to j
local function chars(cps, i, j)
  local out = {}
  for k = i, j do out[#out + 1] = utf8.char(cps[k]) end
  return table.concat(out)
end

-- s broken into at most max_lines lines of at most max_w (font units) each: at spaces, and
-- between wide (CJK) characters; a word longer than a line is broken anywhere. Text that
-- does not fit ends the last line with "…". Returns the lines and whether s was cut.
local function wrap_anew(s, max_w, size, max_lines)
  local cps = codes(s)
  local n = #cps
  local lines, i = {}, 1
  while i <= n do
    while i <= n and cps[i] == 0x20 do i = i + 1 end
    if i > n then break end
    if #lines == max_lines - 1 then
      -- the last line: the rest, cut when it does not fit
      if width_of(cps, i, n, size) <= max_w then
        lines[#lines + 1] = chars(cps, i, n)
        return lines, false
      end
      local limit, w, j = max_w - char_em(0x2026) * size, 0, i - 1
      while j < n and w + char_em(cps[j + 1]) * size <= limit do
        j = j + 1
        w = w + char_em(cps[j]) * size
      end
      while j >= i and cps[j] == 0x20 do j = j - 1 end
      lines[#lines + 1] = chars(cps, i, j) .. "…"
      return lines, true
    end
    -- the longest prefix from i that fits, ending before a space or at a wide character
    local w, j, brk = 0, i - 1, nil
    while j < n do
      local cw = char_em(cps[j + 1]) * size
      if w + cw > max_w then break end
      j = j + 1
      w = w + cw
      if j == n or cps[j + 1] == 0x20 or is_wide(cps[j]) or is_wide(cps[j + 1]) then brk = j end
    end
    if j == n then brk = n end
    if not brk then brk = math.max(j, i) end -- no break point: cut the word
    local k = brk
    while k >= i and cps[k] == 0x20 do k = k - 1 end
    lines[#lines + 1] = chars(cps, i, k)
    i = brk + 1
  end
  return lines, false
end

-- the lines of the texts wrapped lately (stage names recur on every page), by text and
-- then by {max_w, size, max_lines, lines, cut}: only a memo, emptied when it grows (the
-- callers only read the lines)
local wrap_memo, wrap_memo_size = {}, 0

local function wrap(s, max_w, size, max_lines)
  -- most texts fit on one line
  local first, last = string.byte(s, 1), string.byte(s, -1)
  if first ~= 32 and last ~= 32 and text_width(s, size) <= max_w then
    return {s}, false
  end
  local known = wrap_memo[s]
  if known then
    for k = 1, #known do
      local e = known[k]
      if e[1] == max_w and e[2] == size and e[3] == max_lines then return e[4], e[5] end
    end
  else
    if wrap_memo_size >= 1024 then wrap_memo, wrap_memo_size = {}, 0 end
    known, wrap_memo_size = {}, wrap_memo_size + 1
    wrap_memo[s] = known
  end
  local lines, cut = wrap_anew(s, max_w, size, max_lines)
  if #known < 8 then known[#known + 1] = {max_w, size, max_lines, lines, cut} end
  return lines, cut
end

-- A stage's name in lang: "zh" (label_zh, else label), "en" (label), nil (both, in a site
-- of one language: "Prototype · 原型"), from its fields (label_zh is not read for "en").
local function stage_name(key, label, label_zh, lang)
  if lang == "zh" then return text_of(label_zh) or text_of(label) or key end
  if lang == "en" then return text_of(label) or key end
  return stage_label(key, label, label_zh)
end

-- The dated stages of a project in site.yaml order: {key, label (stage_name), short
-- (without the Chinese label), date = "YYYY-MM-DD"}. Each field of a stage is read once:
-- this runs for every project page (the page hook), where a read is a call into the host.
local function dated_stages(page, lang)
  local list = {}
  for _, st in ipairs(page.stages or {}) do
    local date = st.date
    if date ~= nil then
      local key, label = st.key, st.label
      list[#list + 1] = {key = key, label = stage_name(key, label, lang ~= "en" and st.label_zh or nil, lang),
                         short = text_of(label) or key, date = day_of(date)}
    end
  end
  return list
end

---------------------------------------------------------------------------------------
-- SVG output

-- The opening of an accessible, scalable SVG: the short title is the accessible name
-- (aria-label, as ids could clash when a chart appears twice on a page) and <desc>
-- gives the data in words. variant: "wide" or "narrow" (hidden without a stylesheet, so
-- that a feed reader shows one chart). role: "img", or "group" for a chart with links.
local function svg_open(class, variant, width, height, title, desc, role)
  return {
    string.format('<svg xmlns="http://www.w3.org/2000/svg" class="cf-chart %s cf-%s" viewBox="0 0 %s %s" ' ..
      'width="100%%" role="%s" aria-label="%s" font-size="%d" fill="%s"%s>',
      class, variant, num(width), num(height), role or "img", esc(title), FONT, INK,
      variant == "narrow" and ' display="none"' or ""),
    "<title>" .. esc(title) .. "</title>",
    "<desc>" .. esc(desc) .. "</desc>",
  }
end

local function text(x, y, s, class, extra)
  return '<text x="' .. num(x) .. '" y="' .. num(y) .. '" class="' .. class .. '"' .. (extra or "") .. ">" ..
    esc(s) .. "</text>"
end

-- lines of text at x (anchor "start" or "end"), the first baseline at y
local function text_lines(out, x, y, lines, class, anchor)
  local extra = anchor == "end" and ' text-anchor="end"' or nil
  for k, s in ipairs(lines) do out[#out + 1] = text(x, y + (k - 1) * LH, s, class, extra) end
end

local function line(x1, y1, x2, y2, attrs)
  return '<line x1="' .. num(x1) .. '" y1="' .. num(y1) .. '" x2="' .. num(x2) .. '" y2="' .. num(y2) .. '" ' ..
    attrs .. "/>"
end

local GRID_LINE = string.format('class="cf-grid" stroke="%s" stroke-dasharray="2 3"', GRID)
local GUIDE_LINE = string.format('class="cf-guide" stroke="%s" stroke-dasharray="1 4"', GRID)
local AXIS_LINE = string.format('class="cf-axis" stroke="%s"', INK)

-- a stage mark: filled when it is the project's latest stage; a mark standing for several
-- stages of one date (keys: their keys) is larger
local function mark(x, y, r, keys, date, last, name)
  local cls = "cf-mark" .. (last and " cf-mark--last" or "") .. (#keys > 1 and " cf-mark--multi" or "")
  return '<circle class="' .. cls .. '" data-stage="' .. esc(table.concat(keys, " ")) .. '" data-date="' ..
    esc(date) .. '" cx="' .. num(x) .. '" cy="' .. num(y) .. '" r="' .. num(r) .. '" fill="' ..
    (last and LINE or PAPER) .. '" stroke="' .. LINE .. '" stroke-width="2"' ..
    (name and ("><title>" .. esc(name) .. "</title></circle>") or "/>")
end

---------------------------------------------------------------------------------------
-- Time axes

-- The first day of each month by its index (months since year 0): its date and its day
-- counted from 1970-01-01, made once for all the charts (days(first, d) is the day of d less
-- the day of first: whole days between civil dates)
local MONTH_DATE, MONTH_DAY = {}, {}

-- The first of every month from `from` to `to` (dates as text): {index (months since year
-- 0), date, day (days since the date `first`)}. Made once per chart, for every variant.
local function months_between(from, to, first)
  local y, m = tonumber(string.sub(from, 1, 4)), tonumber(string.sub(from, 6, 7))
  local list = {}
  local first_day = clinfolio.days("1970-01-01", first)
  local index = y * 12 + m - 1
  while true do
    local d = MONTH_DATE[index]
    if not d then
      d = string.format("%04d-%02d-01", index // 12, index % 12 + 1)
      MONTH_DATE[index], MONTH_DAY[index] = d, clinfolio.days("1970-01-01", d)
    end
    if to < d then break end
    if d >= from then list[#list + 1] = {index = index, date = d, day = MONTH_DAY[index] - first_day} end
    index = index + 1
  end
  return list
end

-- Places the labels of ticks ({x, label}) centred on their x, moved inside [0, width];
-- returns nil when two come closer than GAP.
local function place_ticks(ticks, width)
  local prev_right = -math.huge
  for _, t in ipairs(ticks) do
    local w = text_width(t.label, TICK)
    local left = math.min(math.max(t.x - w / 2, 0), width - w - 0.1) -- 0.1: rounding
    if left < prev_right + GAP then return nil end
    t.left, prev_right = left, left + w
  end
  return ticks
end

local TICK_STEPS = {1, 2, 3, 6, 12, 24, 60, 120}
local MONTH_LABEL_W, YEAR_LABEL_W -- the width of "2023-01" and "2023" (all digits alike)

-- The axis labels of a time axis over `months` (months_between) from day lo to day hi
-- (dates lo_date, hi_date) drawn by x_of(day) on a chart `width` wide: month, quarter,
-- half-year or year ticks (multiples of the step since year 0), the finest whose labels
-- keep apart; else the two end dates; else the one date.
local function time_ticks(months, lo, hi, lo_date, hi_date, x_of, width)
  MONTH_LABEL_W = MONTH_LABEL_W or text_width("0000-00", TICK)
  YEAR_LABEL_W = YEAR_LABEL_W or text_width("0000", TICK)
  local per_day = hi > lo and (x_of(hi) - x_of(lo)) / (hi - lo) or 0
  for _, step in ipairs(TICK_STEPS) do
    -- months are 28 days or more: a step whose labels cannot keep apart is not tried
    if step * 28 * per_day >= (step >= 12 and YEAR_LABEL_W or MONTH_LABEL_W) + GAP then
      local ticks = {}
      for _, mo in ipairs(months) do
        if mo.index % step == 0 then
          ticks[#ticks + 1] = {x = x_of(mo.day), label = step >= 12 and string.sub(mo.date, 1, 4) or string.sub(mo.date, 1, 7)}
        end
      end
      if #ticks < 2 then break end
      if place_ticks(ticks, width) then return ticks, true end
    end
  end
  if lo_date ~= hi_date then
    local ends = place_ticks({{x = x_of(lo), label = lo_date}, {x = x_of(hi), label = hi_date}}, width)
    if ends then return ends, false end
  end
  return place_ticks({{x = x_of(lo), label = lo_date}}, width) or {}, false
end

-- the tick labels of an axis at axis_y, with `marks` tick marks, and with `top` dashed
-- grid lines from there (only where no text stands)
local function draw_ticks(out, ticks, axis_y, top, marks)
  for _, t in ipairs(ticks) do
    if marks and top then out[#out + 1] = line(t.x, top, t.x, axis_y, GRID_LINE) end
    if marks then out[#out + 1] = line(t.x, axis_y, t.x, axis_y + 5, AXIS_LINE) end
    out[#out + 1] = text(t.left, axis_y + 8 + ASCENT * TICK, t.label, "cf-tick", string.format(' font-size="%d"', TICK))
  end
end

-- Marks of one row at x = xs[i] (ascending), radii rs[i]: moved apart so that neighbours
-- keep `gap` between their edges, staying in [lo, hi] where they can; order is kept.
local function spread(xs, rs, gap, lo, hi)
  local n = #xs
  local out = {}
  for i = 1, n do
    out[i] = xs[i]
    if i > 1 then out[i] = math.max(out[i], out[i - 1] + rs[i - 1] + rs[i] + gap) end
  end
  if n > 0 and out[n] > hi then
    out[n] = hi
    for i = n - 1, 1, -1 do out[i] = math.min(out[i], out[i + 1] - rs[i + 1] - rs[i] - gap) end
    if out[1] < lo then -- no room either way: even spacing over [lo, hi]
      for i = 1, n do out[i] = n == 1 and lo or lo + (i - 1) * (hi - lo) / (n - 1) end
    end
  end
  return out
end

---------------------------------------------------------------------------------------
-- Project timeline: one row per dated stage, the mark at its date on a shared time axis.
--   wide:   stage names | the marks on the time axis, joined by a line | dates and days
--   narrow: per stage a line with its name and date, and under it the mark on its track

local R = 6 -- timeline marks

-- The project's timeline model: stages (with offset from the first, note), the range.
local function timeline_model(page, lang)
  local W = TIMELINE_WORDS[lang or "en"]
  local stages = dated_stages(page, lang)
  if #stages == 0 then return nil end
  local first = stages[1].date
  local t = {stages = stages, lo = 0, hi = 0, lo_date = first, hi_date = first, last = #stages}
  for i, st in ipairs(stages) do
    st.offset = clinfolio.days(first, st.date)
    if st.offset < t.lo then t.lo, t.lo_date = st.offset, st.date end
    if st.offset > t.hi then t.hi, t.hi_date = st.offset, st.date end
    st.note = st.date
    if i > 1 then
      local d = clinfolio.days(stages[i - 1].date, st.date)
      st.note = string.format(W.note, st.date, d >= 0 and "+" or "", W.days(d))
    end
  end
  -- the words: "Clinical need 2023-01-05; Prototype 2023-01-12, 7 days later; ..."
  local words = {}
  for i, st in ipairs(stages) do
    local w = st.label .. " " .. st.date
    if i > 1 then w = string.format(W.later, w, W.days(clinfolio.days(stages[i - 1].date, st.date))) end
    words[#words + 1] = w
  end
  local desc = table.concat(words, W.sep)
  if #stages > 1 then desc = string.format(W.total, desc, W.days(clinfolio.days(first, stages[#stages].date))) end
  t.desc = desc .. W.stop
  t.title = string.format(W.title, text_of(page.title) or page.slug or W.project)
  return t
end

-- x of a day offset on [x0, x1]
local function scale(t, x0, x1)
  return function(offset)
    if t.hi == t.lo then return (x0 + x1) / 2 end
    return x0 + (offset - t.lo) * (x1 - x0) / (t.hi - t.lo)
  end
end

local function timeline_axis(out, t, x0, x1, axis_y, top, width)
  local x_of = scale(t, x0, x1)
  out[#out + 1] = line(x0, axis_y, x1, axis_y, AXIS_LINE)
  t.months = t.months or months_between(t.lo_date, t.hi_date, t.stages[1].date)
  local ticks, regular = time_ticks(t.months, t.lo, t.hi, t.lo_date, t.hi_date, x_of, width)
  draw_ticks(out, ticks, axis_y, top, regular)
end

local function timeline_wide(t)
  local stages = t.stages
  -- columns: names (up to 2 lines), the plot, the notes (up to 2 lines)
  local name_w = 196
  local note_w = 0
  for _, st in ipairs(stages) do note_w = math.max(note_w, text_width(st.note, FONT)) end
  note_w = math.min(note_w, 236)
  local x0, x1 = name_w + GAP + R, WIDE - note_w - GAP - R
  local x_of = scale(t, x0, x1)
  local top, y = 8, 8
  for _, st in ipairs(stages) do
    st.name_lines = wrap(st.label, name_w, FONT, 2)
    st.note_lines = wrap(st.note, note_w, FONT, 2)
    local n = math.max(#st.name_lines, #st.note_lines)
    st.y = y                             -- first baseline: y + ASCENT * FONT
    st.cy = y + (n * LH - 4) / 2 + 0.5   -- the mark: the middle of the row's text
    y = y + n * LH + 4
  end
  local axis_y = y + 4
  local out = svg_open("cf-timeline", "wide", WIDE, axis_y + 12 + TICK * 1.5, t.title, t.desc)
  timeline_axis(out, t, x0, x1, axis_y, top, WIDE)
  local points = {}
  for _, st in ipairs(stages) do
    local base = st.y + ASCENT * FONT
    -- the text sits on the row's middle: one line of two centres on the mark
    local n = math.max(#st.name_lines, #st.note_lines)
    text_lines(out, 0, base + (n - #st.name_lines) * LH / 2, st.name_lines, "cf-label")
    text_lines(out, WIDE, base + (n - #st.note_lines) * LH / 2, st.note_lines, "cf-days", "end")
    out[#out + 1] = line(x0, st.cy, x1, st.cy, GUIDE_LINE)
    points[#points + 1] = num(x_of(st.offset)) .. "," .. num(st.cy)
  end
  if #points > 1 then
    out[#out + 1] = string.format('<polyline class="cf-path" points="%s" fill="none" stroke="%s" stroke-width="1.5"/>',
      table.concat(points, " "), LINE)
  end
  for i, st in ipairs(stages) do
    out[#out + 1] = mark(x_of(st.offset), st.cy, R, {st.key}, st.date, i == t.last)
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

local function timeline_narrow(t)
  local stages = t.stages
  local x0, x1 = R + 2, NARROW - R - 2
  local x_of = scale(t, x0, x1)
  local out_rows, y = {}, 4
  for _, st in ipairs(stages) do
    -- the name at the left and the note at the right of one line when both fit; else the
    -- note on a line of its own
    local note_w = text_width(st.note, FONT)
    local beside = NARROW - note_w - GAP
    local name_lines
    if beside >= 120 then
      name_lines = wrap(st.label, beside, FONT, 2)
      st.lines = {{name_lines[1], st.note}}
      for k = 2, #name_lines do st.lines[#st.lines + 1] = {name_lines[k]} end
    else
      name_lines = wrap(st.label, NARROW, FONT, 2)
      st.lines = {}
      for k = 1, #name_lines do st.lines[#st.lines + 1] = {name_lines[k]} end
      for _, s in ipairs(wrap(st.note, NARROW, FONT, 2)) do st.lines[#st.lines + 1] = {nil, s} end
    end
    st.y = y
    local last_base = y + ASCENT * FONT + (#st.lines - 1) * LH
    st.cy = last_base + DESCENT * FONT + 3 + R   -- the track under the text
    y = st.cy + R + 6
  end
  local axis_y = y + 2
  local out = svg_open("cf-timeline", "narrow", NARROW, axis_y + 12 + TICK * 1.5, t.title, t.desc)
  timeline_axis(out, t, x0, x1, axis_y, nil, NARROW)
  for i, st in ipairs(stages) do
    for k, l in ipairs(st.lines) do
      local base = st.y + ASCENT * FONT + (k - 1) * LH
      if l[1] then out[#out + 1] = text(0, base, l[1], "cf-label") end
      if l[2] then out[#out + 1] = text(NARROW, base, l[2], "cf-days", ' text-anchor="end"') end
    end
    out[#out + 1] = line(x0, st.cy, x1, st.cy, GUIDE_LINE)
    out[#out + 1] = mark(x_of(st.offset), st.cy, R, {st.key}, st.date, i == t.last)
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

-- The timeline of project page, in the words of the language in_lang (the page it is
-- shown on) in a site of several languages; else English, with stages in both.
local function timeline_svg(page, site, in_lang)
  local several = type(site.languages) == "table" and #site.languages > 1
  local lang = several and (is_zh(in_lang) and "zh" or "en") or nil
  local t = timeline_model(page, lang)
  if not t then return nil end
  return timeline_wide(t) .. "\n" .. timeline_narrow(t)
end

---------------------------------------------------------------------------------------
-- Cohort Gantt: one row per project, a bar from its first to its last dated stage.
--   wide:   project names (linked, up to 3 lines) | bars on year bands | latest stage, days
--   narrow: per project its name (linked), under it the bar, the latest stage beside the
--           bar where it fits, else under it

local GR, GR_MULTI = 5, 7 -- Gantt marks: one stage, several stages of one date
-- At most this many rows (the most recently started projects): 100 rows are ~230 KB of
-- SVG (both variants), where 10,000 would be 23 MB. The page that shows a capped chart links
-- the full list.
local GANTT_MAX_ROWS = 100
local TOP_AXIS_ROWS = 8 -- longer charts have year labels above the rows too

-- What the charts need of a project, in no language: the keys and days of its dated
-- stages (in order, two lists: the stages' names are the site's, from site.stages), its
-- URL, title and slug. The page_facts hook returns it for every project (the host keeps it
-- per page), so that site_loaded reads each project's facts from a plain table, which the
-- host makes anew at each read: the fewer tables and texts in it, the cheaper (a facts edit
-- at 10,000 projects reads all of them).
local function project_facts(page)
  local keys, dates = {}, {}
  for _, st in ipairs(page.stages or {}) do
    local date = st.date
    if date ~= nil then
      keys[#keys + 1] = st.key
      dates[#dates + 1] = day_of(date)
    end
  end
  return {keys = keys, dates = dates, url = text_of(page.url), title = text_of(page.title),
          slug = text_of(page.slug), cohort = text_of(page.cohort)}
end

-- The names of the site's stages by key: {label, label_zh} (texts or nil), as a project's
-- stages have them (the site's stages are the ones projects date).
local function stage_labels(site)
  local labels = {}
  for _, st in ipairs(site.stages or {}) do
    local key = st.key
    if key ~= nil then labels[key] = {label = text_of(st.label), label_zh = text_of(st.label_zh)} end
  end
  return labels
end

-- chart_facts_of(site, lang) returns chart_facts(pf): what the charts read of a project
-- whose project_facts are pf (the keys and dates of its dated stages, first and last date,
-- URL, title and slug); read-only, each chart makes its rows of its own. The stages named in
-- lang, {key, label, short, date} each, are made by f.stages_of(f), for the projects a Gantt
-- chart draws (at most GANTT_MAX_ROWS of them): made for every project, they were a fifth of
-- a facts edit's site_loaded at 10,000 projects.
local NO_LABELS = {}
local function chart_facts_of(site, lang)
  local labels = stage_labels(site)
  local function stages_of(f)
    local stages, dates = {}, f.dates
    for i, key in ipairs(f.keys) do
      local l = labels[key] or NO_LABELS
      stages[i] = {key = key, label = stage_name(key, l.label, l.label_zh, lang), short = l.label or key,
                   date = dates[i]}
    end
    return stages
  end
  return function(pf)
    local keys, dates = pf.keys, pf.dates
    local f = {keys = keys, dates = dates, stages_of = stages_of, url = pf.url, title = pf.title or "",
               slug = pf.slug or ""}
    if #keys > 0 then
      local lo, hi = dates[1], dates[1]
      for i = 2, #keys do
        local d = dates[i]
        if d < lo then lo = d end
        if hi < d then hi = d end
      end
      f.lo, f.hi = lo, hi
    end
    return f
  end
end

-- facts_of(site, lang) returns facts(p): chart_facts of project p (a page of the model).
-- Each chart reads a project's once; site_loaded's charts share them, made once per
-- project by cohorts_of().
local function facts_of(site, lang)
  local chart_facts = chart_facts_of(site, lang)
  return function(p) return chart_facts(project_facts(p)) end
end

-- by start date, then title, then slug (a project's slug is its own: a total order)
local function starts_before(a, b)
  if a.lo ~= b.lo then return a.lo < b.lo end
  if a.title ~= b.title then return a.title < b.title end
  return a.slug < b.slug
end

-- The last k of items in starts_before order, in that order. They are kept sorted as they
-- come, and an item that does not start after the first one kept is passed over with one
-- comparison: a chart of 10,000 projects makes about that many, not a sort of them all.
local function latest(items, k)
  local top = {}
  for _, it in ipairs(items) do
    if #top < k or starts_before(top[1], it) then
      if #top == k then table.remove(top, 1) end
      local lo, hi = 1, #top + 1 -- where it goes: before the first kept one it starts before
      while lo < hi do
        local mid = (lo + hi) // 2
        if starts_before(it, top[mid]) then hi = mid else lo = mid + 1 end
      end
      table.insert(top, lo, it)
    end
  end
  return top
end

local function gantt_model(projects, cohort, lang, facts)
  local W, days = CHART_WORDS[lang or "en"], (TIMELINE_WORDS[lang or "en"]).days
  local dated = {}
  for _, p in ipairs(projects) do
    local f = facts(p)
    if #f.keys > 0 then dated[#dated + 1] = f end
  end
  -- the latest: the last GANTT_MAX_ROWS in start order, drawn in that order
  local rows = {}
  for i, f in ipairs(latest(dated, GANTT_MAX_ROWS)) do
    rows[i] = {stages = f.stages_of(f), lo = f.lo, hi = f.hi, url = f.url, title = f.title, slug = f.slug}
  end
  local g = {rows = rows, n_all = #dated}
  local who = cohort and string.format(W.who_cohort, cohort) or W.who_all
  g.title = string.format(W.gantt, who)
  if #rows == 0 then
    g.desc = W.empty
    return g
  end
  if g.n_all > GANTT_MAX_ROWS then g.title = W.gantt_cut(GANTT_MAX_ROWS, g.n_all, who) end

  -- the axis covers whole years: from 1 January of the first year to 1 January after the last
  local lo, hi = rows[1].lo, rows[1].hi
  for _, r in ipairs(rows) do
    if r.lo < lo then lo = r.lo end
    if hi < r.hi then hi = r.hi end
  end
  g.y0, g.y1 = tonumber(string.sub(lo, 1, 4)), tonumber(string.sub(hi, 1, 4)) + 1
  g.start = string.format("%04d-01-01", g.y0)
  g.span = clinfolio.days(g.start, string.format("%04d-01-01", g.y1))

  local words = {}
  for _, r in ipairs(rows) do
    local a, b = r.stages[1], r.stages[#r.stages]
    local w = string.format(W.row, r.title, a.label, a.date)
    if #r.stages > 1 then
      w = string.format(W.row_to, w, b.label, b.date, days(clinfolio.days(a.date, b.date)))
    end
    words[#words + 1] = w
    -- the latest stage and the cycle time, in words
    r.info = lang == "zh" and b.label or b.short
    if #r.stages > 1 then r.info = string.format(W.info, r.info, days(clinfolio.days(a.date, b.date))) end
    -- one mark per date (stages of one date share it), in date order, with the day offset
    local by_date, dates = {}, {}
    for j, st in ipairs(r.stages) do
      local m = by_date[st.date]
      if not m then
        m = {date = st.date, keys = {}, names = {}, day = clinfolio.days(g.start, st.date)}
        by_date[st.date] = m
        dates[#dates + 1] = m
      end
      m.keys[#m.keys + 1] = st.key
      m.names[#m.names + 1] = st.label
      if j == #r.stages then m.last = true end
    end
    table.sort(dates, function(x, y) return x.date < y.date end)
    for _, m in ipairs(dates) do
      m.r = #m.keys > 1 and GR_MULTI or GR
      m.name = #m.keys > 1 and (table.concat(m.names, W.list) .. " " .. m.date) or nil
    end
    r.marks = dates
  end
  g.desc = string.format(W.range, W.projects(#rows), lo, hi, table.concat(words, W.sep))
  return g
end

-- The x of every mark of row r on [x0, x1] (kept apart), and the bar's ends.
local function gantt_marks(g, r, x0, x1)
  local xs, rs = {}, {}
  for i, m in ipairs(r.marks) do
    xs[i] = x0 + m.day * (x1 - x0) / g.span
    rs[i] = m.r
  end
  local at = spread(xs, rs, 3, x0, x1) -- 3: the strokes (up to 3 wide) and a gap
  return at, rs
end

local function gantt_row_marks(out, r, at, cy)
  out[#out + 1] = string.format('<rect class="cf-bar" x="%s" y="%s" width="%s" height="12" fill="%s" stroke="%s"/>',
    num(at[1]), num(cy - 6), num(at[#at] - at[1]), FILL, LINE)
  for i, m in ipairs(r.marks) do out[#out + 1] = mark(at[i], cy, m.r, m.keys, m.date, m.last, m.name) end
end

-- year labels centred in their bands (every k-th year when the bands are narrow), with
-- dashed year lines from `top` to axis_y when top is given
local function gantt_years(out, g, x0, x1, label_y, top, axis_y)
  local band = (x1 - x0) / (g.y1 - g.y0)
  local k = math.max(1, math.ceil((text_width("0000", TICK) + GAP) / band))
  for y = g.y0, g.y1 do
    local x = x0 + (y - g.y0) * band
    if top then out[#out + 1] = line(x, top, x, axis_y, GRID_LINE) end
    if y < g.y1 and (y - g.y0) % k == 0 then
      out[#out + 1] = text(x + band / 2, label_y, tostring(y), "cf-tick",
        string.format(' text-anchor="middle" font-size="%d"', TICK))
    end
  end
end

local function row_open(out, r)
  out[#out + 1] = string.format('<g class="cf-row" data-project="%s">', esc(r.slug))
  if r.url then
    out[#out + 1] = string.format('<a class="cf-link" href="%s"><title>%s</title>', esc(r.url), esc(r.title))
  end
end

local function row_close(out, r)
  if r.url then out[#out + 1] = "</a>" end
  out[#out + 1] = "</g>"
end

local TICK_LABEL = TICK * ASCENT + 6 -- room for a line of year labels

local function gantt_wide(g)
  local name_w = 240
  local info_w = 0
  for _, r in ipairs(g.rows) do info_w = math.max(info_w, text_width(r.info, FONT)) end
  info_w = math.min(info_w, 200)
  local x0, x1 = name_w + GAP + GR_MULTI, WIDE - info_w - GAP - GR_MULTI
  local top = #g.rows > TOP_AXIS_ROWS and TICK_LABEL + 8 or 8
  local y = top
  for _, r in ipairs(g.rows) do
    r.name_lines = wrap(r.title, name_w, FONT, 3)
    r.info_lines = wrap(r.info, info_w, FONT, 2)
    r.n = math.max(#r.name_lines, #r.info_lines)
    r.y = y
    r.cy = y + (r.n * LH - 4) / 2 + 0.5
    y = y + r.n * LH + 4
  end
  local axis_y = y + 4
  local out = svg_open("cf-gantt", "wide", WIDE, axis_y + 12 + TICK * 1.5, g.title, g.desc, "group")
  out[#out + 1] = line(x0, axis_y, x1, axis_y, AXIS_LINE)
  gantt_years(out, g, x0, x1, axis_y + 8 + ASCENT * TICK, top - 4, axis_y + 5)
  if top > 8 then gantt_years(out, g, x0, x1, top - 8) end
  for _, r in ipairs(g.rows) do
    row_open(out, r)
    local base = r.y + ASCENT * FONT
    text_lines(out, 0, base + (r.n - #r.name_lines) * LH / 2, r.name_lines, "cf-label")
    gantt_row_marks(out, r, (gantt_marks(g, r, x0, x1)), r.cy)
    text_lines(out, WIDE, base + (r.n - #r.info_lines) * LH / 2, r.info_lines, "cf-info", "end")
    row_close(out, r)
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

local function gantt_narrow(g)
  local x0, x1 = GR_MULTI + 2, NARROW - GR_MULTI - 2
  local top = #g.rows > TOP_AXIS_ROWS and TICK_LABEL + 6 or 4
  local out_rows, y = {}, top
  for _, r in ipairs(g.rows) do
    local o = {}
    row_open(o, r)
    local lines = wrap(r.title, NARROW, FONT, 2)
    text_lines(o, 0, y + ASCENT * FONT, lines, "cf-label")
    -- the bar's line: room for the marks, and for a line of text beside the bar
    local cy = y + ASCENT * FONT + (#lines - 1) * LH + DESCENT * FONT + 2 + (ASCENT + DESCENT) / 2 * FONT
    local at, rs = gantt_marks(g, r, x0, x1)
    -- the latest stage beside the bar (right, else left) where it fits, else under it
    local w = text_width(r.info, FONT)
    local right, left = at[#at] + rs[#rs] + GAP, at[1] - rs[1] - GAP
    local info_base = cy + (ASCENT - DESCENT) / 2 * FONT
    local bottom = cy + GR_MULTI
    local from, to -- the track is not drawn under the text
    if right + w <= NARROW then
      o[#o + 1] = text(right, info_base, r.info, "cf-info")
      from, to = right - 4, NARROW
    elseif left - w >= 0 then
      o[#o + 1] = text(left, info_base, r.info, "cf-info", ' text-anchor="end"')
      from, to = 0, left + 4
    else
      local info_lines = wrap(r.info, NARROW, FONT, 2)
      local b = cy + GR_MULTI + 3 + ASCENT * FONT
      text_lines(o, 0, b, info_lines, "cf-info")
      bottom = b + (#info_lines - 1) * LH + DESCENT * FONT
    end
    local guides = {}
    if from then
      if from > x0 then guides[#guides + 1] = {x0, math.min(from, x1)} end
      if to < x1 then guides[#guides + 1] = {math.max(to, x0), x1} end
    else
      guides[1] = {x0, x1}
    end
    for _, s in ipairs(guides) do o[#o + 1] = line(s[1], cy, s[2], cy, GUIDE_LINE) end
    gantt_row_marks(o, r, at, cy)
    row_close(o, r)
    out_rows[#out_rows + 1] = table.concat(o, "\n")
    y = bottom + 12
  end
  local axis_y = y
  local out = svg_open("cf-gantt", "narrow", NARROW, axis_y + 12 + TICK * 1.5, g.title, g.desc, "group")
  out[#out + 1] = line(x0, axis_y, x1, axis_y, AXIS_LINE)
  gantt_years(out, g, x0, x1, axis_y + 8 + ASCENT * TICK)
  if top > 4 then gantt_years(out, g, x0, x1, top - 8) end
  out[#out + 1] = table.concat(out_rows, "\n")
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

local function gantt_empty(g, variant, width)
  local out = svg_open("cf-gantt", variant, width, 16 + LH, g.title, g.desc)
  text_lines(out, 0, 8 + ASCENT * FONT, wrap(g.desc, width, FONT, 3), "cf-empty")
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

-- Returns the SVG and the number of projects with a dated stage (rows before the cap).
local function gantt_svg(projects, site, cohort, lang, facts)
  local g = gantt_model(projects, cohort, lang, facts or facts_of(site, lang))
  if #g.rows == 0 then return gantt_empty(g, "wide", WIDE) .. "\n" .. gantt_empty(g, "narrow", NARROW), 0 end
  return gantt_wide(g) .. "\n" .. gantt_narrow(g), g.n_all
end

---------------------------------------------------------------------------------------
-- Cohort funnel: per stage, a centred bar as wide as the share of projects with that stage.
--   wide:   stage names | bars | counts
--   narrow: per stage a line with its name and count, the bar under it

local FN_BAR = 18

-- How many of the projects (as facts(p) gives their chart facts) date each stage.
local function stage_counts(projects, facts)
  local counts = {}
  for _, p in ipairs(projects) do
    for _, key in ipairs(facts(p).keys) do counts[key] = (counts[key] or 0) + 1 end
  end
  return counts
end

-- counts: what stage_counts gives for the projects, when the caller has it (site_loaded
-- counts each project once for the overall chart and its cohort's), else nil.
local function funnel_model(projects, site, cohort, lang, facts, counts)
  local W = CHART_WORDS[lang or "en"]
  local total = #projects
  counts = counts or stage_counts(projects, facts)
  local f = {total = total, stages = {}}
  for _, st in ipairs(site.stages or {}) do
    local n = counts[st.key] or 0
    local share = total > 0 and string.format(" (%d%%)", math.floor(n * 100 / total + 0.5)) or ""
    f.stages[#f.stages + 1] = {key = st.key, label = stage_name(st.key, st.label, st.label_zh, lang), count = n,
                               text = tostring(n) .. share}
  end
  local who = cohort and string.format(W.who_cohort, cohort) or W.who_all
  f.title = string.format(W.funnel, who, W.projects(total))
  local words = {}
  for _, st in ipairs(f.stages) do words[#words + 1] = string.format(W.count, st.label, st.count) end
  f.desc = table.concat(words, W.sep) .. W.stop
  return f
end

local function funnel_bar(out, f, st, cx, full, cy)
  local w = f.total > 0 and st.count * full / f.total or 0
  out[#out + 1] = string.format('<rect class="cf-funnel-bar" data-stage="%s" data-count="%d" x="%s" y="%s" ' ..
    'width="%s" height="%s" fill="%s" stroke="%s"/>', esc(st.key), st.count, num(cx - w / 2),
    num(cy - FN_BAR / 2), num(w), num(FN_BAR), FILL, LINE)
end

local function funnel_wide(f)
  local name_w, count_w = 220, 0
  for _, st in ipairs(f.stages) do count_w = math.max(count_w, text_width(st.text, FONT)) end
  local x0, x1 = name_w + GAP, WIDE - count_w - GAP
  local rows, y = {}, 8
  for _, st in ipairs(f.stages) do
    local lines = wrap(st.label, name_w, FONT, 2)
    local n = #lines
    local base = y + ASCENT * FONT
    rows[#rows + 1] = {st = st, lines = lines, base = base, cy = y + (n * LH - 4) / 2 + 0.5,
                       count_base = base + (n - 1) * LH / 2}
    y = y + n * LH + 6
  end
  local out = svg_open("cf-funnel", "wide", WIDE, y + 2, f.title, f.desc)
  for _, row in ipairs(rows) do
    text_lines(out, 0, row.base, row.lines, "cf-label")
    funnel_bar(out, f, row.st, (x0 + x1) / 2, x1 - x0, row.cy)
    out[#out + 1] = text(WIDE - count_w, row.count_base, row.st.text, "cf-count")
  end
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

local function funnel_narrow(f)
  local out_rows, y = {}, 4
  for _, st in ipairs(f.stages) do
    local count_w = text_width(st.text, FONT)
    local lines = wrap(st.label, NARROW - count_w - GAP, FONT, 2)
    local base = y + ASCENT * FONT
    text_lines(out_rows, 0, base, lines, "cf-label")
    out_rows[#out_rows + 1] = text(NARROW, base, st.text, "cf-count", ' text-anchor="end"')
    local cy = base + (#lines - 1) * LH + DESCENT * FONT + 3 + FN_BAR / 2
    funnel_bar(out_rows, f, st, NARROW / 2, NARROW - 2, cy)
    y = cy + FN_BAR / 2 + 8
  end
  local out = svg_open("cf-funnel", "narrow", NARROW, y, f.title, f.desc)
  out[#out + 1] = table.concat(out_rows, "\n")
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

local function funnel_svg(projects, site, cohort, lang, facts, counts)
  local f = funnel_model(projects, site, cohort, lang, facts or facts_of(site, lang), counts)
  return funnel_wide(f) .. "\n" .. funnel_narrow(f)
end

---------------------------------------------------------------------------------------
-- Cohorts

-- The cohorts of the published projects, sorted, and the projects of each; and all of
-- them. item (or nil: the projects themselves) gives what each list holds of a project:
-- the charts take its facts, read in this one pass over site.projects (a project is a
-- read-only view, each read a call into the host). cohorts_of_facts: the same from what
-- page_facts returned (site_loaded's `facts`, in site.pages order, which is site.projects'
-- for the projects), each project's chart_facts, with no read of the model (a facts edit
-- at 10,000 projects read each one's path and cohort through it).
local function as_is(x) return x end

local function new_cohorts()
  local g = {names = {}, by = {}, all = {}, none = {}}
  function g.add(x, c)
    g.all[#g.all + 1] = x
    if c then
      local list = g.by[c]
      if not list then
        list = {}
        g.by[c] = list
        g.names[#g.names + 1] = c
      end
      list[#list + 1] = x
    else
      g.none[#g.none + 1] = x
    end
  end
  return g
end

local function cohorts_of(site, item)
  item = item or as_is
  local g = new_cohorts()
  for _, p in ipairs(site.projects or {}) do g.add(item(p), text_of(p.cohort)) end
  table.sort(g.names)
  return g.names, g.by, g.all, g.none
end

local function cohorts_of_facts(known_facts, chart_facts)
  local g = new_cohorts()
  for _, pf in pairs(known_facts) do g.add(chart_facts(pf), pf.cohort) end
  table.sort(g.names)
  return g.names, g.by, g.all, g.none
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

-- The cohort charts in language lang (nil: a site of one language), drawn from the
-- projects' facts (the lists hold facts, which each chart takes as they are).
local function charts_in(site, lang, known_facts)
  local names, by, all, none
  if known_facts then
    names, by, all, none = cohorts_of_facts(known_facts, chart_facts_of(site, lang))
  else
    names, by, all, none = cohorts_of(site, facts_of(site, lang))
  end
  -- each project's stages counted once: for its cohort's funnel, then added up for all
  local counts, overall = {}, stage_counts(none, as_is)
  for _, c in ipairs(names) do
    counts[c] = stage_counts(by[c], as_is)
    for key, n in pairs(counts[c]) do overall[key] = (overall[key] or 0) + n end
  end
  local funnel = {overall = funnel_svg(all, site, nil, lang, as_is, overall)}
  local gantt, rows = {}, {}
  gantt.overall, rows.overall = gantt_svg(all, site, nil, lang, as_is)
  for _, c in ipairs(names) do
    funnel[c] = funnel_svg(by[c], site, c, lang, as_is, counts[c])
    gantt[c], rows[c] = gantt_svg(by[c], site, c, lang, as_is)
  end
  -- gantt_rows: projects with a dated stage per chart; a chart shows at most gantt_max_rows
  return {funnel = funnel, gantt = gantt, gantt_rows = rows, gantt_max_rows = GANTT_MAX_ROWS}
end

-- charts: in the default language; in a site of several languages also charts_in.<code>
-- for each of them (the same figures in its words), which themes show in that language.
-- A project's facts for the charts, made once per page and remembered per page: an edit of
-- one project's stages reads that project alone again, and site_loaded draws from them.
function M.page_facts(page, site)
  if page.section == "projects" then return project_facts(page) end
end

function M.site_loaded(site, facts)
  local langs = type(site.languages) == "table" and #site.languages > 1 and site.languages or nil
  if not langs then return {charts = charts_in(site, nil, facts)} end
  local by_lang = {}
  for _, l in ipairs(langs) do
    by_lang[l.code] = charts_in(site, is_zh(l.code) and "zh" or "en", facts)
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
    return (gantt_svg(cohort_projects(ctx.site, c), ctx.site, c, chart_lang(ctx)))
  end,
}

return M
