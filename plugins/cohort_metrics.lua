-- cohort_metrics.lua: the programme's outcome metrics, computed from the project pages.
--
-- Publishes site.data.metrics (overall, per cohort and per value of every field in
-- site.yaml `metrics.group_by`), writes metrics.json and metrics.csv, and adds the
-- shortcodes metric() and metrics_table(). The definitions (version DEFINITIONS below,
-- recorded in metrics.json with the pages counted) are in plugins/README.md ("Bundled
-- plugins"), which documents every output. Patents count only with a valid number
-- (clinfolio.ident), students by case-folded name (clinfolio.casefold), money in whole
-- cents; metrics.json and metrics.csv print every figure with figure_text.

local M = {}

local DEFAULT_CURRENCY = "CNY"
local DEFAULT_CONVERSION_STAGE = "transfer"
-- The version of the metric definitions (plugins/README.md), recorded in metrics.json:
-- raise it whenever a definition changes what a figure counts.
local DEFINITIONS = "clinfolio-metrics/2"
-- The largest amount, in cents, that is summed: doubles hold every integer up to 2^53, so an
-- amount within it converts to cents exactly.
local MAX_CENTS = 2 ^ 53

---------------------------------------------------------------------------------------
-- Small helpers

-- The keys of a map, in byte order (`<` on strings is byte order: clinfolio runs in the C
-- locale).
local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- "a, b, c": the keys of a map, sorted (for error messages).
local function key_list(t)
  return table.concat(sorted_keys(t), ", ")
end

local function trim(s)
  if not (string.find(s, "^%s") or string.find(s, "%s$")) then return s end -- most texts
  return (string.gsub(s, "^%s+", ""):gsub("%s+$", ""))
end

-- The key a name is counted by: trimmed, inner runs of white space made one space, and
-- case-folded (Unicode simple case folding), so "Müller" and " MÜLLER " are one student.
-- Each text's key is made once: names and roles repeat from project to project (a
-- mentor's many projects, "mentor" itself).
local name_keys = {}
local function name_key(s)
  local key = name_keys[s]
  if key then return key end
  key = trim(s)
  -- (a name of single spaces, as most are, has no run to replace)
  if string.find(key, "%s%s") or string.find(key, "[^%S ]") then key = string.gsub(key, "%s+", " ") end
  key = clinfolio.casefold(key)
  name_keys[s] = key
  return key
end

-- A whole float becomes an integer, so that JSON, CSV and templates print 3, not 3.0.
local function normalize(n)
  return math.tointeger(n) or n
end

-- Text for a scalar front matter value (a cohort written as 2023 is "2023"); nil for
-- anything else. A string's is made once (false: none): cohorts, departments and
-- currencies repeat from project to project.
local texts = {}
local function scalar_text(v)
  local t = type(v)
  if t == "string" then
    local text = texts[v]
    if text == nil then
      text = trim(v)
      text = text ~= "" and text
      texts[v] = text
    end
    return text or nil
  elseif t == "number" then
    return tostring(normalize(v))
  elseif t == "boolean" then
    return tostring(v)
  end
  return nil
end

-- A value that may be written as one item or as a list of items, as a list.
local function as_list(v)
  if v == nil then return {} end
  if type(v) == "table" then
    if v[1] ~= nil then return v end
    for _ in pairs(v) do return {v} end   -- a map: one item
    return {}                              -- an empty list (or map): no items
  end
  return {v}
end

local function is_map(v)
  return type(v) == "table" and v[1] == nil
end

-- The median of a list of numbers (the mean of the middle two for an even count), nil for
-- none: sorted by the host (clinfolio.median); through table.sort, a sixth of site_loaded.
local function median(values)
  local m = clinfolio.median(values)
  return m and normalize(m)
end

---------------------------------------------------------------------------------------
-- Settings from site.yaml

-- The stage keys in site.yaml order, and a set of them.
local function stage_keys(site)
  local keys, known = {}, {}
  for _, st in ipairs(site.stages or {}) do
    keys[#keys + 1] = st.key
    known[st.key] = true
  end
  return keys, known
end

-- metrics.group_by as a list of field names ("cohort" is always grouped, so it is
-- dropped here; a single name written without brackets is accepted).
local function group_fields(site)
  local cfg = site.metrics
  if cfg == nil then return {} end
  if not is_map(cfg) then error("site.yaml 'metrics' must be a map such as {group_by: [department]}", 0) end
  local fields, seen = {}, {cohort = true}
  for _, f in ipairs(as_list(cfg.group_by)) do
    if type(f) ~= "string" or trim(f) == "" then
      error("site.yaml 'metrics.group_by' must be a list of front matter field names", 0)
    end
    f = trim(f)
    if not seen[f] then
      seen[f] = true
      fields[#fields + 1] = f
    end
  end
  return fields
end

local function conversion_stage(site, known)
  local cfg = site.metrics
  local key = DEFAULT_CONVERSION_STAGE
  if is_map(cfg) and cfg.conversion_stage ~= nil then key = scalar_text(cfg.conversion_stage) end
  if not key or not known[key] then
    local keys = stage_keys(site)
    error(string.format("site.yaml 'metrics.conversion_stage' '%s' is not a stage (site.yaml stages: %s)",
      tostring(key), table.concat(keys, ", ")), 0)
  end
  return key
end

---------------------------------------------------------------------------------------
-- Groups

-- A function giving the group name for a value of `field`. When the field is a taxonomy
-- of site.yaml, values that the taxonomy merges into one term (same slug, e.g.
-- "Emergency Medicine" and "emergency medicine") are one group named like the term
-- (term.name), so templates can look a term's metrics up with its name.
local function group_namer(site, field)
  local by_slug = {}
  local tax = site.taxonomies and site.taxonomies[field]
  if type(tax) == "table" and type(tax.terms) == "table" then
    for _, term in ipairs(tax.terms) do
      if type(term.slug) == "string" and type(term.name) == "string" then by_slug[term.slug] = term.name end
    end
  end
  local named = {} -- text -> name: a site has few departments, written by many projects
  return function(text)
    local name = named[text]
    if not name then
      local slug = clinfolio.slugify(text)
      name = (slug ~= "" and by_slug[slug]) or text
      named[text] = name
    end
    return name
  end
end

-- The text of a value of `field`, or nil, with a warning when it is neither text nor
-- missing.
local function group_text(v, page, field, quiet)
  local text = scalar_text(v)
  if text then return text end
  if v ~= nil and type(v) ~= "string" and not quiet then
    clinfolio.warn(string.format("%s: '%s' is not text; the project is left out of the %s groups",
      tostring(page.path), field, field))
  end
end

-- What a project's `field` says of its groups, by field: one text, as most are written, or,
-- when the field holds a list such as `department: [Cardiology, Nursing]`, a list of texts.
local function group_texts(page, fields, quiet)
  local texts = {}
  for _, field in ipairs(fields) do
    local value = page[field]
    if type(value) ~= "table" then
      texts[field] = group_text(value, page, field, quiet)
    else
      local list = {}
      for _, v in ipairs(as_list(value)) do list[#list + 1] = group_text(v, page, field, quiet) end
      texts[field] = list
    end
  end
  return texts
end

-- The group fields of site.data.metrics.by in output order: cohort, then group_by.
local function by_fields(site)
  local list = {"cohort"}
  for _, f in ipairs(group_fields(site)) do list[#list + 1] = f end
  return list
end

---------------------------------------------------------------------------------------
-- What one project contributes

-- The amount in whole cents (half a cent rounds up), or nil with the reason when it is not
-- a finite number within MAX_CENTS.
local function to_cents(amount)
  if type(amount) ~= "number" then return nil, "must be a number such as 300000" end
  if amount ~= amount or amount == math.huge or amount == -math.huge then
    return nil, "must be a finite number"
  end
  local c = amount * 100
  if c >= MAX_CENTS or c <= -MAX_CENTS then return nil, "is too large to sum exactly (2^53 cents at most)" end
  return math.tointeger(math.floor(c + 0.5))
end

-- Why an amount of the page is not counted (a warning unless quiet).
local function skip_amount(quiet, page, what, fmt, ...)
  if not quiet then clinfolio.warn(string.format(fmt, tostring(page.path), what, ...)) end
end

-- Adds `entry.amount`, in cents, to sums[currency]; an entry that is not {amount, currency}
-- with a finite amount is not counted (warned unless quiet: the schema reports it too).
local function add_amount(sums, entry, what, page, default_currency, quiet)
  if not is_map(entry) then
    return skip_amount(quiet, page, what,
      "%s: outcomes.%s must be a map such as {amount: 300000, currency: CNY}; not counted")
  end
  local amount = entry.amount
  local cents, why = to_cents(amount)
  if not cents then
    return skip_amount(quiet, page, what, "%s: outcomes.%s.amount %s, not '%s'; not counted",
      why, tostring(amount))
  end
  local currency = scalar_text(entry.currency) or default_currency
  local sum = (sums[currency] or 0) + cents
  if sum >= MAX_CENTS or sum <= -MAX_CENTS then
    return skip_amount(quiet, page, what,
      "%s: outcomes.%s: the %s sum would pass 2^53 cents; not counted", currency)
  end
  sums[currency] = sum
end

-- The sums of money a project may have (outcomes.funding, outcomes.revenue).
local MONEY = {"funding", "revenue"}

-- The patent types a number or a `type:` may give, by ident's patent_type letter.
local PATENT_TYPES = {I = "invention", U = "utility", D = "design"}
local TYPE_NAMES = {invention = true, utility = true, design = true}

local function project_facts(page, default_currency, quiet)
  local f = {
    days = {},        -- stage key -> days from the first dated stage
    students = {},    -- name_key(name) -> true
    patents = {},     -- canonical number -> {type = ..., granted = bool}
    funding = {},     -- currency -> sum in cents
    revenue = {},
    awards = 0,
    startup = false,
  }
  -- page.stages lists the dated stages in site.yaml order; `days` counts from the first
  -- (the host computes it; it is recomputed here only if a host leaves it out)
  local first
  for _, st in ipairs(page.stages or {}) do
    local date = st.date
    if date ~= nil then
      first = first or date
      f.days[st.key] = st.days or clinfolio.days(string.sub(first, 1, 10), string.sub(date, 1, 10))
    end
  end

  for _, member in ipairs(as_list(page.team)) do
    if is_map(member) then
      local name, role = member.name, member.role
      if type(name) == "string" and type(role) == "string"
          and (role == "student" or name_key(role) == "student") then
        name = name_key(name)
        if name ~= "" then f.students[name] = true end
      end
    end
  end

  local out = page.outcomes
  if not is_map(out) then out = {} end
  -- only patents with a valid number count, each number once (the schema reports the rest)
  for _, patent in ipairs(as_list(out.patents)) do
    local id = is_map(patent) and clinfolio.ident("patent", patent.number)
    if id and id.valid then
      local declared = scalar_text(patent.type)
      local p = f.patents[id.normal] or {}
      p.type = p.type or (TYPE_NAMES[declared] and declared) or PATENT_TYPES[id.patent_type]
      p.granted = p.granted or scalar_text(patent.status) == "granted"
      f.patents[id.normal] = p
    end
  end
  f.awards = #as_list(out.awards)
  f.startup = f.days.startup ~= nil or scalar_text(out.company) ~= nil
  -- funding and revenue are one {amount, currency} map; a list of them is summed too
  for _, what in ipairs(MONEY) do
    local v = out[what]
    if v ~= nil then
      for _, entry in ipairs(as_list(v)) do add_amount(f[what], entry, what, page, default_currency, quiet) end
    end
  end
  return f
end

---------------------------------------------------------------------------------------
-- Accumulating and finishing a group

local function new_group()
  return {projects = 0, students = {}, stage_days = {}, conversions = 0,
          patents = {}, awards = 0, startups = 0, funding = {}, revenue = {}}
end

-- Adds project f to each of the n groups gs[1..n] (the overall group and those its group
-- texts name), reading each of f's tables once for all of them (at 10,000 projects adding a
-- project to each group anew was two thirds of a facts edit's site_loaded), and notes its
-- currencies in currencies.funding and currencies.revenue.
local function add_project(gs, n, f, conv_key, currencies)
  for i = 1, n do
    local g = gs[i]
    g.projects = g.projects + 1
    g.awards = g.awards + f.awards
  end
  for name in pairs(f.students) do
    for i = 1, n do gs[i].students[name] = true end
  end
  for key, days in pairs(f.days) do -- a stage's count is the length of its list of days
    for i = 1, n do
      local stage_days = gs[i].stage_days
      local list = stage_days[key]
      if list then list[#list + 1] = days else stage_days[key] = {days} end
    end
  end
  if f.days[conv_key] ~= nil then
    for i = 1, n do gs[i].conversions = gs[i].conversions + 1 end
  end
  -- a patent two projects share is one patent of the group
  for number, p in pairs(f.patents) do
    for i = 1, n do
      local patents = gs[i].patents
      local q = patents[number]
      if not q then
        q = {}
        patents[number] = q
      end
      q.type = q.type or p.type
      q.granted = q.granted or p.granted
    end
  end
  if f.startup then
    for i = 1, n do gs[i].startups = gs[i].startups + 1 end
  end
  for _, what in ipairs(MONEY) do
    local seen = currencies[what]
    for cur, amount in pairs(f[what]) do
      seen[cur] = true
      for i = 1, n do
        local sums = gs[i][what]
        sums[cur] = (sums[cur] or 0) + amount
      end
    end
  end
end

-- groups[name], made when it is the group's first project.
local function group_of(groups, name)
  local g = groups[name]
  if not g then
    g = new_group()
    groups[name] = g
  end
  return g
end

-- A sum of cents as a number: an integer when whole, else the nearest double (templates
-- and shortcodes compute with it; metrics.json and metrics.csv print the exact cents).
local function cents_number(cents)
  if cents % 100 == 0 then return cents // 100 end
  return cents / 100
end

-- The figures of a group, its sums of money in cents (publish then makes them what is
-- published). Every stage key, every patent type and currency that occurs anywhere on the
-- site, is present in every group (0 when none), so all groups have the same fields; only
-- median_days leaves out the stages nobody in the group reached.
local function finish_group(g, ctx)
  local n_students = 0
  for _ in pairs(g.students) do n_students = n_students + 1 end
  local stages, medians = {}, {}
  for _, key in ipairs(ctx.stage_keys) do
    local days = g.stage_days[key]
    stages[key] = days and #days or 0
    medians[key] = days and median(days)
  end
  local filed, granted, by_type = 0, 0, {}
  for _, t in ipairs(ctx.patent_types) do by_type[t] = 0 end
  for _, p in pairs(g.patents) do
    filed = filed + 1
    if p.granted then granted = granted + 1 end
    if p.type then by_type[p.type] = by_type[p.type] + 1 end
  end
  local sums = {}
  for _, what in ipairs(MONEY) do
    sums[what] = {}
    for _, cur in ipairs(ctx.currencies[what]) do sums[what][cur] = g[what][cur] or 0 end
  end
  return {
    projects = g.projects,
    students = n_students,
    stages = stages,
    conversion_rate = g.projects > 0 and normalize(g.conversions / g.projects) or 0,
    median_days = medians,
    patents = {filed = filed, granted = granted, by_type = by_type},
    awards = g.awards,
    startups = g.startups,
    funding = sums.funding,
    revenue = sums.revenue,
  }
end

-- The site's projects counted into groups (count), and published with each sum of money
-- as `number` makes it (publish, see with_money), with the paths of the pages counted,
-- sorted. quiet: no warnings (a count for the files when site_loaded did not count).
-- facts (or nil): what page_facts returned (each project's contribution and group texts),
-- which site_loaded adds up without reading the model (at 10,000 projects a facts edit read
-- each one's path and group fields through it, a sixth of the count); without them the
-- projects are read here.
local function count(site, quiet, facts)
  local keys, known = stage_keys(site)
  local conv_key = conversion_stage(site, known)
  local all_fields = by_fields(site)
  local default_currency = scalar_text(site.currency) or DEFAULT_CURRENCY

  local overall = new_group()
  local by, namers = {}, {}
  for _, field in ipairs(all_fields) do
    by[field] = {}
    namers[field] = group_namer(site, field)
  end

  -- the currencies that occur anywhere on the site: every group gets these keys (and the
  -- site currency always, so these maps are never empty)
  local currencies = {funding = {[default_currency] = true}, revenue = {[default_currency] = true}}
  local pages = {}

  -- project f (at path) into the overall group and those its group texts name, each once
  local gs = {overall}
  local function add(path, f, texts)
    pages[#pages + 1] = path
    local n = 1
    for _, field in ipairs(all_fields) do
      local t, namer = texts[field], namers[field]
      if type(t) == "string" then
        n = n + 1
        gs[n] = group_of(by[field], namer(t))
      elseif t then
        local seen = {}
        for _, each in ipairs(t) do
          local name = namer(each)
          if not seen[name] then
            seen[name] = true
            n = n + 1
            gs[n] = group_of(by[field], name)
          end
        end
      end
    end
    add_project(gs, n, f, conv_key, currencies)
  end
  if facts then -- site.pages order: site.projects' for the projects; no read of the model
    for path, f in pairs(facts) do add(path, f, f.groups) end
  else
    for _, page in ipairs(site.projects or {}) do
      add(tostring(page.path), project_facts(page, default_currency, quiet),
          group_texts(page, all_fields, quiet))
    end
  end
  table.sort(pages)

  local ctx = {
    stage_keys = keys,
    patent_types = sorted_keys(TYPE_NAMES),
    currencies = {funding = sorted_keys(currencies.funding), revenue = sorted_keys(currencies.revenue)},
  }
  return {overall = overall, by = by, ctx = ctx, conv_key = conv_key, pages = pages}
end

-- A finished group with each sum of money as `number` makes it of its cents
-- (cents_number for site.data.metrics, money_text for the files).
local function with_money(fg, number)
  local out = {}
  for k, v in pairs(fg) do out[k] = v end
  for _, what in ipairs(MONEY) do
    local sums = {}
    for cur, cents in pairs(fg[what]) do sums[cur] = number(cents) end
    out[what] = sums
  end
  return out
end

-- The counted groups' figures (each group finished once: site_loaded and generate both
-- publish them, and the medians sort every stage's list of days).
local function publish(counted, number)
  local ctx = counted.ctx
  if not counted.finished then
    local by = {}
    for field, groups in pairs(counted.by) do
      by[field] = {}
      for name, g in pairs(groups) do by[field][name] = finish_group(g, ctx) end
    end
    counted.finished = {overall = finish_group(counted.overall, ctx), by = by}
  end
  local finished = counted.finished
  local result = {overall = with_money(finished.overall, number), by = {},
                  conversion_stage = counted.conv_key}
  for field, groups in pairs(finished.by) do
    result.by[field] = {}
    for name, fg in pairs(groups) do result.by[field][name] = with_money(fg, number) end
  end
  return result, counted.pages
end

-- What site_loaded counted in this build, for generate, which would otherwise count every
-- project again (as long again as the count itself: 0.7 s at 10,000 projects). This Lua
-- state lives for one build, and what generate sees of the projects' facts is what
-- site_loaded saw (the page hooks add only page.data, the Markdown only the content). nil
-- when the build took site_loaded's result from its cache: generate counts then.
local counted_here

---------------------------------------------------------------------------------------
-- Hooks

-- What one project contributes, for every page (site_loaded gets them as `facts`), and the
-- texts of its group fields (`groups`: cohort and metrics.group_by's, with the warnings of
-- those that are not text): made once per page and remembered per page, so that an edit of
-- one project's facts looks at that project alone again, and site_loaded only adds up. The
-- host runs it before site_loaded, for the pages site_loaded sees; a page of another
-- section gives nothing.
function M.page_facts(page, site)
  if page.section ~= "projects" then return nil end
  local f = project_facts(page, scalar_text(site.currency) or DEFAULT_CURRENCY, false)
  f.groups = group_texts(page, by_fields(site), false)
  return f
end

function M.site_loaded(site, facts)
  counted_here = count(site, false, facts)
  return {metrics = (publish(counted_here, cents_number))}
end

---------------------------------------------------------------------------------------
-- metrics.json and metrics.csv: every figure printed by figure_text, so the two agree

-- A figure as text: integers as they are; other numbers with at most 4 decimals (rates and
-- medians), never in exponent form. Sums of money come as {json_figure, text = money_text}.
local function figure_text(n)
  if type(n) == "table" then return n.text end
  n = normalize(n)
  if math.type(n) == "integer" then return tostring(n) end
  local s = string.format("%.4f", n):gsub("0+$", ""):gsub("%.$", "")
  if s == "-0" then s = "0" end
  return s
end

-- A sum of cents as exact decimal text: 4268112169 -> "42681121.69", 650050 -> "6500.5".
local function money_text(cents)
  local sign = cents < 0 and "-" or ""
  local a = cents < 0 and -cents or cents
  if a % 100 == 0 then return string.format("%s%d", sign, a // 100) end
  if a % 10 == 0 then return string.format("%s%d.%d", sign, a // 100, a % 100 // 10) end
  return string.format("%s%d.%02d", sign, a // 100, a % 100)
end

-- The order in which json_text writes the keys of some maps (the stage maps of a group:
-- site.yaml order, as in metrics.csv); other maps are written with their keys sorted.
local json_order = setmetatable({}, {__mode = "k"})

-- JSON text, keys sorted (or in json_order), indented by two spaces (as clinfolio.json),
-- each number through figure_text. A table with a `json_list` field is a list even when
-- empty.
local function json_text(v, depth)
  local t = type(v)
  if t == "number" or (t == "table" and v.json_figure) then
    return figure_text(v)
  elseif t == "table" then
    local pad, inner = string.rep("  ", depth), string.rep("  ", depth + 1)
    local items = {}
    if v.json_list or v[1] ~= nil then
      for i, item in ipairs(v.json_list or v) do items[i] = inner .. json_text(item, depth + 1) end
      if #items == 0 then return "[]" end
      return "[\n" .. table.concat(items, ",\n") .. "\n" .. pad .. "]"
    end
    for _, k in ipairs(json_order[v] or sorted_keys(v)) do
      items[#items + 1] = inner .. clinfolio.json(k) .. ": " .. json_text(v[k], depth + 1)
    end
    if #items == 0 then return "{}" end
    return "{\n" .. table.concat(items, ",\n") .. "\n" .. pad .. "}"
  end
  return clinfolio.json(v)
end

-- A figure as a CSV cell: "" when absent.
local function figure_cell(n)
  if n == nil then return "" end
  return figure_text(n)
end

-- RFC 4180: a cell with a comma, a quote or a line break is quoted, quotes doubled.
local function csv_cell(s)
  if string.find(s, '[,"\r\n]') then return '"' .. string.gsub(s, '"', '""') .. '"' end
  return s
end

local function metrics_csv(site, metrics)
  local keys = stage_keys(site)
  local funding = sorted_keys(metrics.overall.funding)
  local revenue = sorted_keys(metrics.overall.revenue)

  local header = {"group_type", "group", "projects", "students", "conversion_rate"}
  for _, k in ipairs(keys) do header[#header + 1] = "stages." .. k end
  for _, k in ipairs(keys) do header[#header + 1] = "median_days." .. k end
  for _, h in ipairs({"patents.filed", "patents.granted", "awards", "startups"}) do header[#header + 1] = h end
  for _, c in ipairs(funding) do header[#header + 1] = "funding." .. c end
  for _, c in ipairs(revenue) do header[#header + 1] = "revenue." .. c end

  local lines = {}
  local function row(cells)
    local out = {}
    for i, c in ipairs(cells) do out[i] = csv_cell(c) end
    lines[#lines + 1] = table.concat(out, ",")
  end
  local function group_row(group_type, name, g)
    local cells = {group_type, name, figure_cell(g.projects), figure_cell(g.students), figure_cell(g.conversion_rate)}
    for _, k in ipairs(keys) do cells[#cells + 1] = figure_cell(g.stages[k]) end
    for _, k in ipairs(keys) do cells[#cells + 1] = figure_cell(g.median_days[k]) end
    cells[#cells + 1] = figure_cell(g.patents.filed)
    cells[#cells + 1] = figure_cell(g.patents.granted)
    cells[#cells + 1] = figure_cell(g.awards)
    cells[#cells + 1] = figure_cell(g.startups)
    for _, c in ipairs(funding) do cells[#cells + 1] = figure_cell(g.funding[c]) end
    for _, c in ipairs(revenue) do cells[#cells + 1] = figure_cell(g.revenue[c]) end
    row(cells)
  end

  row(header)
  group_row("overall", "all", metrics.overall)
  for _, field in ipairs(by_fields(site)) do
    local groups = metrics.by[field] or {}
    for _, name in ipairs(sorted_keys(groups)) do group_row(field, name, groups[name]) end
  end
  return table.concat(lines, "\r\n") .. "\r\n"
end

-- The files: the metrics with each sum of money as its exact text.
function M.generate(site)
  local metrics, pages = publish(counted_here or count(site, true),
    function(cents) return {json_figure = true, text = money_text(cents)} end)
  -- each group's stages and median_days in the order of site.yaml's stages
  local keys = stage_keys(site)
  local function order(g)
    local present = {}
    for _, k in ipairs(keys) do
      if g.median_days[k] ~= nil then present[#present + 1] = k end
    end
    json_order[g.stages], json_order[g.median_days] = keys, present
  end
  order(metrics.overall)
  for _, groups in pairs(metrics.by) do
    for _, g in pairs(groups) do order(g) end
  end
  metrics.provenance = {
    build_date = site.build_date ~= nil and tostring(site.build_date) or nil,
    definitions = DEFINITIONS,
    pages = {json_list = pages},
  }
  return {
    {path = "metrics.json", content = json_text(metrics, 0) .. "\n"},
    {path = "metrics.csv", content = metrics_csv(site, metrics)},
  }
end

---------------------------------------------------------------------------------------
-- Shortcodes

-- Checks the arguments of a shortcode against spec: name -> {type = true, ...}.
local function check_args(args, spec, order)
  for _, name in ipairs(sorted_keys(args)) do
    local allowed = spec[name]
    if not allowed then
      error(string.format("unknown argument '%s' (arguments: %s)", tostring(name), table.concat(order, ", ")), 0)
    end
    local t = type(args[name])
    if not allowed[t] then
      local names = {}
      for _, k in ipairs(sorted_keys(allowed)) do names[#names + 1] = "a " .. k end
      error(string.format("argument '%s' must be %s, not %s", name,
        table.concat(names, " or "), t == "boolean" and "true/false" or ("a " .. t)), 0)
    end
  end
end

-- The metrics group that cohort=, or group= with value=, select (overall without them).
local function select_group(metrics, args)
  if args.cohort ~= nil and (args.group ~= nil or args.value ~= nil) then
    error("give either 'cohort' or 'group' and 'value', not both", 0)
  end
  if args.value ~= nil and args.group == nil then error("argument 'value' needs 'group'", 0) end
  local field, value = "cohort", args.cohort
  if args.group ~= nil then
    field = args.group
    if metrics.by[field] == nil then
      error(string.format("unknown group '%s' (groups: %s)", field, key_list(metrics.by)), 0)
    end
    if args.value == nil then error(string.format("argument 'group' needs 'value' (a %s)", field), 0) end
    value = args.value
  elseif value == nil then
    return metrics.overall
  end
  value = scalar_text(value) or ""
  local groups = metrics.by[field]
  local g = groups[value]
  if g == nil then
    -- "cardiology" finds "Cardiology": the same slug is the same group
    local slug = clinfolio.slugify(value)
    for _, name in ipairs(sorted_keys(groups)) do
      if slug ~= "" and clinfolio.slugify(name) == slug then return groups[name] end
    end
    local known = field == "cohort" and "cohorts" or (field .. " values")
    error(string.format("unknown %s '%s' (%s: %s)", field, value, known, key_list(groups)), 0)
  end
  return g
end

local METRIC_NAMES = "projects, students, conversion_rate, stages.<stage>, median_days.<stage>, " ..
  "patents.filed, patents.granted, patents.by_type.<type>, awards, startups, " ..
  "funding.<currency>, revenue.<currency>"

local TOP_LEVEL = {projects = true, students = true, conversion_rate = true, awards = true, startups = true}

-- The value of metric `name` (a dotted path such as "stages.prototype") in group g; nil
-- for the median of a stage that no project of the group reached. Unknown names are
-- errors that list what would have been accepted.
local function lookup(g, name, site)
  local parts = {}
  for part in string.gmatch(name, "[^.]+") do parts[#parts + 1] = part end
  local head, key, n = parts[1], parts[2], #parts
  if n == 1 and TOP_LEVEL[head] then
    return g[head]
  elseif n == 2 and (head == "stages" or head == "median_days") then
    local keys, known = stage_keys(site)
    if not known[key] then
      error(string.format("unknown stage '%s' in metric '%s' (stages: %s)", key, name, table.concat(keys, ", ")), 0)
    end
    return g[head][key]
  elseif n == 2 and (head == "funding" or head == "revenue") then
    local v = g[head][key]
    if v == nil then
      error(string.format("unknown currency '%s' in metric '%s' (%s currencies: %s)", key, name, head,
        key_list(g[head])), 0)
    end
    return v
  elseif n == 2 and head == "patents" and (key == "filed" or key == "granted") then
    return g.patents[key]
  elseif n == 3 and head == "patents" and key == "by_type" then
    local v = g.patents.by_type[parts[3]]
    if v == nil then
      error(string.format("unknown patent type '%s' in metric '%s' (types: %s)", parts[3], name,
        key_list(g.patents.by_type)), 0)
    end
    return v
  end
  error(string.format("unknown metric '%s' (metrics: %s)", name, METRIC_NAMES), 0)
end

-- The words of the shortcodes' output, in the language of the text they stand in:
-- page.lang (else site.language); Chinese for zh and zh-*, English otherwise.
local WORDS = {
  en = {all = "All projects", group = "Group", projects = "Projects", students = "Students",
        conversion = "Conversion rate", filed = "Patents filed", granted = "Patents granted",
        startups = "Startups", median_to = "Median days to %s",
        caption_all = "Programme outcomes, all projects", caption_by = "Programme outcomes by %s",
        day = " day", days = " days", na = "n/a"},
  zh = {all = "全部项目", group = "分组", projects = "项目数", students = "学生数",
        conversion = "转化率", filed = "专利申请", granted = "专利授权",
        startups = "创业企业", median_to = "至%s的中位天数",
        caption_all = "项目成果（全部项目）", caption_by = "项目成果（按%s）",
        day = "天", days = "天", na = "暂无"},
}

local function is_zh(lang)
  return type(lang) == "string" and (lang == "zh" or string.sub(lang, 1, 3) == "zh-")
end

local function words_of(ctx)
  local lang = (type(ctx.page) == "table" and ctx.page.lang) or (ctx.site and ctx.site.language)
  return is_zh(lang) and WORDS.zh or WORDS.en
end

-- Money is written by the one rule of the default theme's money macro
-- (themes/default/templates/partials/i18n.html), with the same interface texts: the
-- site's i18n (site.i18n, the theme's i18n/<code>.yaml with the site's own over it) when
-- the text is in the language of the page's interface, else the default theme's texts
-- of that language, below.
local NUMBER_TEXTS = {
  en = {number_thousands_sep = ",", number_ten_thousand = "", number_hundred_million = "",
        number_unit_gap = " "},
  zh = {number_thousands_sep = "", number_ten_thousand = "万", number_hundred_million = "亿",
        number_unit_gap = "", currency_cny = "元", currency_usd = "美元", currency_eur = "欧元",
        currency_hkd = "港元", currency_gbp = "英镑", currency_jpy = "日元"},
}

-- The interface text `key` for money in the words w: site.i18n's when the site's language
-- is that of w and it has the key, else NUMBER_TEXTS'.
local function number_text(ctx, w, key)
  local site = ctx.site
  local i18n = type(site) == "table" and site.i18n
  if type(i18n) == "table" and is_zh(site.language) == (w == WORDS.zh) then
    local v = i18n[key]
    if type(v) == "string" then return v end
  end
  return NUMBER_TEXTS[w == WORDS.zh and "zh" or "en"][key]
end

-- A non-negative x with at most 2 decimals (rounded half up, trailing zeros dropped), its
-- whole part grouped by threes with sep ("" groups nothing): the macro's digits().
local function digits(x, sep)
  local s = string.format("%.2f", math.floor(x * 100 + 0.5) / 100)
  local whole, frac = string.match(s, "^(%d+)%.(%d+)$")
  frac = string.gsub(frac, "0+$", "")
  if sep ~= "" then
    whole = string.reverse((string.gsub(string.reverse(whole), "(%d%d%d)", "%1" .. string.reverse(sep))))
    if string.sub(whole, 1, #sep) == sep then whole = string.sub(whole, #sep + 1) end
  end
  return frac ~= "" and (whole .. "." .. frac) or whole
end

-- The amount n in currency code, as the theme's money macro writes it: "120万元",
-- "1.5亿元", "5000元", "123.46万美元" (Chinese), "1,200,000 CNY", "6,500.5 USD" (English).
local function money_words(n, code, w, ctx)
  local wan, yi = number_text(ctx, w, "number_ten_thousand"), number_text(ctx, w, "number_hundred_million")
  local a = math.abs(n)
  local scale, unit = 1, ""
  if yi ~= "" and a >= 1e8 then
    scale, unit = 1e8, yi
  elseif wan ~= "" and a >= 1e4 then
    scale, unit = 1e4, wan
  end
  local name = number_text(ctx, w, "currency_" .. string.lower(code)) or code
  return (n < 0 and "-" or "") .. digits(a / scale, number_text(ctx, w, "number_thousands_sep")) ..
    number_text(ctx, w, "number_unit_gap") .. unit .. name
end

-- Number formatting for the metric() shortcode and the table.
local function format_number(n)
  n = normalize(n)
  if math.type(n) == "integer" then return tostring(n) end
  return string.format("%.1f", n)
end

-- A duration for people: whole days, half a day rounded up (253.5 -> 254); metrics.json
-- and metrics.csv keep the exact median.
local function whole_days(n)
  return math.tointeger(math.floor(n + 0.5)) or math.floor(n + 0.5)
end

-- name: the metric ("funding.CNY"), which says the currency of money and whether a number
-- is a duration (median_days.*)
local FORMATS = {
  number = function(n, _, name)
    if string.match(name, "^median_days%.") then return tostring(whole_days(n)) end
    return format_number(n)
  end,
  percent = function(n) return string.format("%d%%", math.floor(n * 100 + 0.5)) end,
  days = function(n, w)
    local d = whole_days(n)
    return tostring(d) .. (d == 1 and w.day or w.days)
  end,
  money = function(n, w, name, ctx)
    local code = string.match(name, "^funding%.(.+)$") or string.match(name, "^revenue%.(.+)$")
      or (type(ctx.site.currency) == "string" and ctx.site.currency) or "CNY"
    return money_words(n, code, w, ctx)
  end,
}
local FORMAT_NAMES = "number, percent, days, money"

local function site_metrics(ctx)
  local metrics = ctx.site.data.metrics
  if metrics == nil then error("site.data.metrics is missing: is cohort_metrics listed in site.yaml plugins?", 0) end
  return metrics
end

local STR, STR_NUM = {string = true}, {string = true, number = true}

local function metric(args, ctx)
  check_args(args, {name = STR, cohort = STR_NUM, group = STR, value = STR_NUM, format = STR},
    {"name", "cohort", "group", "value", "format"})
  if args.name == nil then error("argument 'name' is required (e.g. name=\"conversion_rate\")", 0) end
  local fmt = FORMATS[args.format or "number"]
  if not fmt then error(string.format("unknown format '%s' (formats: %s)", args.format, FORMAT_NAMES), 0) end
  local metrics = site_metrics(ctx)
  local g = select_group(metrics, args)
  local w = words_of(ctx)
  local v = lookup(g, args.name, ctx.site)
  if v == nil then return clinfolio.escape(w.na) end
  return clinfolio.escape(fmt(v, w, args.name, ctx))
end

local function stage_label(site, key, w)
  for _, st in ipairs(site.stages or {}) do
    if st.key == key then
      return (w == WORDS.zh and scalar_text(st.label_zh)) or scalar_text(st.label) or key
    end
  end
  return key
end

local function metrics_table(args, ctx)
  check_args(args, {group = STR, caption = STR}, {"group", "caption"})
  local metrics = site_metrics(ctx)
  local field = args.group or "cohort"
  local rows = {}
  if field == "overall" then
    rows[1] = {words_of(ctx).all, metrics.overall}
  elseif metrics.by[field] ~= nil then
    for _, name in ipairs(sorted_keys(metrics.by[field])) do rows[#rows + 1] = {name, metrics.by[field][name]} end
  else
    error(string.format("unknown group '%s' (groups: overall, %s)", field, key_list(metrics.by)), 0)
  end

  local e = clinfolio.escape
  local w = words_of(ctx)
  local conv = metrics.conversion_stage
  local what = string.gsub(field, "_", " ")
  local tax = type(ctx.site.taxonomies) == "table" and ctx.site.taxonomies[field]
  if w == WORDS.zh and type(tax) == "table" and type(tax.title) == "string" then what = tax.title end
  local caption = args.caption
  if caption == nil then
    caption = field == "overall" and w.caption_all or string.format(w.caption_by, what)
  end
  local first = field == "overall" and w.group
    or (w == WORDS.zh and what or (string.upper(string.sub(what, 1, 1)) .. string.sub(what, 2)))
  local heads = {first, w.projects, w.students, w.conversion, w.filed, w.granted, w.startups,
                 string.format(w.median_to, stage_label(ctx.site, conv, w))}

  -- tabindex: a theme may let a wide table scroll sideways (the default theme does in
  -- .prose), and a scrolling region must be reachable from the keyboard
  local out = {'<table class="table metrics-table" tabindex="0">', "<caption>" .. e(caption) .. "</caption>",
               "<thead>", "<tr>"}
  for _, h in ipairs(heads) do out[#out + 1] = '<th scope="col">' .. e(h) .. "</th>" end
  out[#out + 1] = "</tr>"
  out[#out + 1] = "</thead>"
  out[#out + 1] = "<tbody>"
  -- a group is named in the default language (declared terms, site.yaml): in another, by
  -- the term's name there
  local shown = {}
  local default = type(ctx.site.languages) == "table" and ctx.site.languages[1]
  if type(tax) == "table" and type(tax.terms) == "table" and type(default) == "table" then
    for _, term in ipairs(tax.terms) do
      if type(term.names) == "table" and type(term.names[default.code]) == "string" then
        shown[term.names[default.code]] = term.name
      end
    end
  end
  for _, r in ipairs(rows) do
    local g = r[2]
    local med = g.median_days[conv]
    local cells = {format_number(g.projects), format_number(g.students), FORMATS.percent(g.conversion_rate),
                   format_number(g.patents.filed), format_number(g.patents.granted), format_number(g.startups),
                   med ~= nil and tostring(whole_days(med)) or w.na}
    local tr = {'<tr><th scope="row">', e(shown[r[1]] or r[1]), "</th>"}
    for _, c in ipairs(cells) do tr[#tr + 1] = "<td>" .. e(c) .. "</td>" end
    tr[#tr + 1] = "</tr>"
    out[#out + 1] = table.concat(tr)
  end
  out[#out + 1] = "</tbody>"
  out[#out + 1] = "</table>"
  return table.concat(out, "\n")
end

M.shortcodes = {
  metric = metric,
  metrics_table = metrics_table,
}

return M
