-- bench/soak: the mixed traffic wrk sends through the gateway.
--
-- Every call of request() picks one kind by weight:
--   hit      POST /contacts/         one of a few numbers (cache hits)
--   miss     POST /contacts/         a number not seen before (provider call)
--   put      PUT  /contacts/<id>     a hit or a miss
--   upsert   POST /contacts/upsert   a hit or a miss
--   get      GET  /contacts/<id>     not validated (passes untouched)
--   bulk     POST /contacts/         {"contacts":[...]}: 2 hits, 2 misses
--   nophone  POST /contacts/         a contact with no phone
--   badjson  POST /contacts/         invalid JSON: 400
--   strict   POST /strict/contacts/  reject mode: an INVALID magic number
--                                    (422), a hit (200) or a miss (503 when
--                                    the provider fails or times out)

local kinds = {
    { "hit", 22 }, { "miss", 14 }, { "put", 10 }, { "upsert", 5 },
    { "get", 10 }, { "bulk", 10 }, { "nophone", 4 }, { "badjson", 5 },
    { "strict", 20 },
}

local total = 0
for _, k in ipairs(kinds) do total = total + k[2] end

local hits = {
    "+1 209 555 0142", "+1 (415) 555-0100", "+44 20 7946 0958",
    "+49 30 901820", "+33 1 42 68 53 00", "+1 312 555 0199",
    "+61 2 9374 4000", "+34 934 12 46 02",
}

local areas = { "209", "213", "310", "415", "646", "718", "917", "312" }

local id = 0
local n = 0

function setup(thread)
    id = id + 1
    thread:set("tid", id)
end

function init(args)
    id = tonumber(tid) or 1
    math.randomseed(os.time() + id * 7919)
end

-- a number this run has not sent yet (unique per thread and call)
local function miss()
    n = n + 1
    local a = areas[(n % #areas) + 1]
    local s = id * 1000000 + n
    return string.format("+1 %s %03d %04d", a, 200 + (math.floor(s / 10000) % 700), s % 10000)
end

local function hit()
    return hits[math.random(#hits)]
end

local function pick()
    local r = math.random(total)
    for _, k in ipairs(kinds) do
        r = r - k[2]
        if r <= 0 then return k[1] end
    end
    return "hit"
end

local json_headers = { ["Content-Type"] = "application/json" }

local function contact(phone)
    return string.format('{"firstName":"Soak","email":"soak%d@example.com","phone":"%s","tags":["soak"]}', n, phone)
end

request = function()
    local kind = pick()
    local method, path, body = "POST", "/contacts/", nil

    if kind == "hit" then
        body = contact(hit())
    elseif kind == "miss" then
        body = contact(miss())
    elseif kind == "put" then
        method, path = "PUT", "/contacts/c" .. math.random(1000)
        body = contact(math.random(2) == 1 and hit() or miss())
    elseif kind == "upsert" then
        path = "/contacts/upsert"
        body = contact(math.random(2) == 1 and hit() or miss())
    elseif kind == "get" then
        return wrk.format("GET", "/contacts/c" .. math.random(1000))
    elseif kind == "bulk" then
        body = '{"contacts":[' .. contact(hit()) .. "," .. contact(miss()) .. ","
               .. contact(hit()) .. "," .. contact(miss()) .. "]}"
    elseif kind == "nophone" then
        body = '{"firstName":"NoPhone","email":"nophone@example.com"}'
    elseif kind == "badjson" then
        body = '{"firstName":"Bad","phone":"+1 209 555 0142",}'
    else -- strict
        path = "/strict/contacts/"
        local r = math.random(3)
        if r == 1 then
            body = contact("+1 209 559 9999 00")
        elseif r == 2 then
            body = contact(hit())
        else
            body = contact(miss())
        end
    end

    return wrk.format(method, path, json_headers, body)
end
