-- A stand-in for an OMERO server, for tests: OMERO.web's JSON API (discovery, CSRF token,
-- servers, login), webgateway's imgData and the pixel-buffer microservice's raw tiles, in the
-- request and response shapes of their sources (see ../shared/reference/omero-api.md). It serves
-- what tests/fixtures/make_omero_fixtures.py wrote under $omero_data.
--
-- Sessions: the public user gets a session cookie with a server-specific name (sessionid_pub)
-- from OMERO.web (imgData, the JSON API's listings) — never from the microservice; a login gives
-- the cookie sessionid and a session key (X-OMERO-Session-Key). Sessions end after
-- omero_idle seconds without use (default 600, as OMERO's own default of 10 minutes), and
-- /_control/set?omero_epoch=N ends every session at once. Images not listed in
-- $omero_data/access need a logged-in session; without one, OMERO.web's login_required answers
-- as in omeroweb/decorators.py: /api/ 403 JSON, a script's request (X-Requested-With:
-- XMLHttpRequest) 403, any other a 302 to /webclient/login/. The microservice
-- (omero-ms-pixel-buffer) answers 403 for a session it does not know and 404 for any other
-- failure, OPTIONS with its provider name, and 404 when an image without a pyramid is asked
-- for a `resolution` (setResolutionLevel throws for ROMIO-backed images). The JSON API's
-- url:base is this server as the client reached it, or with omero_urlbase=http an http://
-- address, with omero_urlbase=internal an internal host (as behind TLS proxies). The CSRF token
-- is masked as Django masks it (a new form for each request of the same secret) and, over
-- HTTPS, the login's Referer must be this server. Every request waits delay_ms and honours
-- mode=down like the rest of the test server; omero_flaky=1 fails every first request for a
-- JSON URL with 503.
local d = ngx.shared.omefs_faults
local data = ngx.var.omero_data
omefs_fault(true)
-- omero_flaky=1: the first request for each JSON API or imgData URL answers 503 (a server
-- restarting behind a proxy); asking again succeeds.
if d:get("omero_flaky") == 1 and (ngx.var.uri:find("^/omero/api/") or
                                   ngx.var.uri:find("^/omero/webgateway/imgData/")) then
    local n = d:incr("omero:flaky:" .. ngx.var.request_uri, 1, 0)
    if n % 2 == 1 then return ngx.exit(503) end
end

local function reply(status, body, ctype)
    ngx.status = status
    ngx.header["Content-Type"] = ctype or "application/json"
    ngx.print(body)
    return ngx.exit(ngx.HTTP_OK)
end

local function read_file(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local s = f:read("*a")
    f:close()
    return s
end

local function new_id()
    return string.format("%08x%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff),
                         math.random(0, 0x7fffffff))
end

local function epoch() return d:get("omero_epoch") or 0 end
local function idle() return d:get("omero_idle") or 600 end

local function open_session(id, kind)
    d:set("omero:sess:" .. id, epoch() .. ":" .. kind, idle())
end

-- "public", "user" or nil; a session in use lives idle() seconds more
local function session_kind(id)
    if not id or id == "" then return nil end
    local key = "omero:sess:" .. id
    local v = d:get(key)
    if not v then return nil end
    local ep, kind = v:match("^(%d+):(.*)$")
    if tonumber(ep) ~= epoch() then return nil end
    d:set(key, v, idle())
    return kind
end

-- login_required's answer to a request without a valid session (omeroweb/decorators.py)
local function not_logged_in()
    if ngx.var.uri:find("^/omero/api/") then
        return reply(403, '{"message":"Not logged in"}')
    end
    if ngx.req.get_headers()["X-Requested-With"] == "XMLHttpRequest" then
        return reply(403, "Session expired", "text/plain")
    end
    ngx.header["Location"] = "/omero/webclient/login/?url=" .. ngx.escape_uri(ngx.var.request_uri)
    return reply(302, "")
end

local function is_public(iid)
    local list = read_file(data .. "/access") or ""
    for id in list:gmatch("%d+") do
        if id == iid then return true end
    end
    return false
end

local function current_kind()
    return session_kind(ngx.var.cookie_sessionid) or session_kind(ngx.var.cookie_sessionid_pub)
end

-- Who may read image iid: "user", "public" (making a public session when needed), or nil.
local function web_access(iid)
    local kind = current_kind()
    if kind == "user" then return kind end
    if is_public(iid) then
        if not kind then
            local sid = new_id()
            open_session(sid, "public")
            ngx.header["Set-Cookie"] = "sessionid_pub=" .. sid .. "; Path=/; HttpOnly"
        end
        return "public"
    end
    return nil
end

local uri = ngx.var.uri
local origin = ngx.var.scheme .. "://" .. ngx.var.http_host

if uri == "/omero/webclient/login/" then
    return reply(200, "<html><body><form>OMERO.web login</form></body></html>", "text/html")
end
if uri == "/omero/api/" then
    -- url:base from the server's own view of the request (omeroweb/api/views.py build_url)
    local base = origin
    local how = d:get("omero_urlbase")
    if how == "http" then base = "http://" .. ngx.var.http_host end
    if how == "internal" then base = "http://omero-web.internal:4080" end
    return reply(200, '{"data":[{"version":"0","url:base":"' .. base .. '/omero/api/v0/"}]}')
end
if uri == "/omero/api/v0/token/" then
    -- Django: the cookie holds the secret; each token is a new masking of it
    local secret = ngx.var.cookie_csrftoken
    if not secret or not d:get("omero:csrf:" .. secret) then
        secret = new_id()
        d:set("omero:csrf:" .. secret, 1, 3600)
        ngx.header["Set-Cookie"] = "csrftoken=" .. secret .. "; Path=/"
    end
    return reply(200, '{"data":"' .. string.sub(new_id(), 1, 8) .. secret .. '"}')
end
if uri == "/omero/api/v0/servers/" then
    return reply(200, '{"data":[{"id":1,"host":"localhost","port":4064,"server":"omero"}]}')
end
if uri == "/omero/api/v0/login/" then
    if ngx.req.get_method() ~= "POST" then
        return reply(405, '{"message":"POST only"}')
    end
    local tok = ngx.req.get_headers()["X-CSRFToken"]
    local secret = tok and #tok > 8 and string.sub(tok, 9) or nil -- unmasked
    if not secret or secret ~= ngx.var.cookie_csrftoken or not d:get("omero:csrf:" .. secret) then
        return reply(403, "<h1>Forbidden (403)</h1><p>CSRF verification failed.</p>", "text/html")
    end
    local referer = ngx.req.get_headers()["Referer"] or ""
    if ngx.var.scheme == "https" and referer:sub(1, #origin + 1) ~= origin .. "/" then
        return reply(403, "<h1>Forbidden (403)</h1><p>CSRF verification failed. Referer " ..
                          "checking failed.</p>", "text/html")
    end
    ngx.req.read_body()
    local args = ngx.req.get_post_args()
    local want = read_file(data .. "/users") or ""
    local user, pass = want:match("^([^\t]*)\t([^\n]*)")
    if args.server ~= "1" or args.username ~= user or args.password ~= pass then
        return reply(403, '{"message":"Password not valid"}')
    end
    local sid, key = new_id(), new_id()
    open_session(sid, "user")
    open_session(key, "user")
    ngx.header["Set-Cookie"] = "sessionid=" .. sid .. "; Path=/; HttpOnly"
    return reply(200, '{"success":true,"eventContext":{"sessionUuid":"' .. key ..
                      '","userName":"' .. user .. '"}}')
end

-- A container's listing (datasets/ID.tsv, plates/ID.tsv) and who asks, or nil after replying
-- 404 or 403: the public user sees only the containers listed in public_<kind>.
local function container(kind_dir, id, label)
    local list = read_file(data .. "/" .. kind_dir .. "/" .. id .. ".tsv")
    if not list then
        reply(404, '{"message":"' .. label .. ' ' .. id .. ' not found"}')
        return nil
    end
    local kind = current_kind()
    local public = false
    for pub in (read_file(data .. "/public_" .. kind_dir) or ""):gmatch("%d+") do
        if pub == id then public = true end
    end
    if kind ~= "user" and not public then
        not_logged_in()
        return nil
    end
    return list, kind
end

-- One page of items (at most omero_maxlimit, default 2, so clients must follow totalCount),
-- with OMERO's meta.
local function page_reply(items)
    local a = ngx.req.get_uri_args()
    local most = d:get("omero_maxlimit") or 2
    local offset, limit = tonumber(a.offset) or 0, math.min(tonumber(a.limit) or 200, most)
    -- omero_ignore_offset=1: a broken or hostile server that answers every page with the first
    if d:get("omero_ignore_offset") == 1 then offset = 0 end
    local page = {}
    for i = offset + 1, math.min(offset + limit, #items) do page[#page + 1] = items[i] end
    return reply(200, '{"data":[' .. table.concat(page, ",") .. '],"meta":{"offset":' ..
                      offset .. ',"limit":' .. limit .. ',"maxLimit":' .. most .. ',"totalCount":' ..
                      #items .. '}}')
end

-- A dataset's images, paginated; in a public dataset the public user sees the public images.
local did = uri:match("^/omero/api/v0/m/datasets/(%d+)/images/$")
if did then
    local list, kind = container("datasets", did, "Dataset")
    if not list then return end
    if kind ~= "user" and not kind then
        local sid = new_id()
        open_session(sid, "public")
        ngx.header["Set-Cookie"] = "sessionid_pub=" .. sid .. "; Path=/; HttpOnly"
    end
    local items = {}
    for id, name in list:gmatch("(%d+)\t([^\n]*)") do
        if kind == "user" or is_public(id) then
            local esc = name:gsub('[\\"]', function(c) return "\\" .. c end)
            items[#items + 1] = '{"@id":' .. id .. ',"@type":"http://www.openmicroscopy.org/' ..
                                'Schemas/OME/2016-06#Image","Name":"' .. esc .. '"}'
        end
    end
    return page_reply(items)
end

-- A project's datasets or a screen's plates ("ID<TAB>name" per child in projects/ID.tsv,
-- screens/ID.tsv), paginated; the public user sees the public children only.
local function children(kind_dir, id, label, child_dir, child_type)
    local list, kind = container(kind_dir, id, label)
    if not list then return end
    if not kind then
        local sid = new_id()
        open_session(sid, "public")
        ngx.header["Set-Cookie"] = "sessionid_pub=" .. sid .. "; Path=/; HttpOnly"
    end
    local public = read_file(data .. "/public_" .. child_dir) or ""
    local items = {}
    for cid, name in list:gmatch("(%d+)\t([^\n]*)") do
        local shown = kind == "user"
        for pub in public:gmatch("%d+") do
            if pub == cid then shown = true end
        end
        if shown then
            local esc = name:gsub('[\\"]', function(c) return "\\" .. c end)
            items[#items + 1] = '{"@id":' .. cid .. ',"@type":"http://www.openmicroscopy.org/' ..
                                'Schemas/OME/2016-06#' .. child_type .. '","Name":"' .. esc .. '"}'
        end
    end
    return page_reply(items)
end
local prid = uri:match("^/omero/api/v0/m/projects/(%d+)/datasets/$")
if prid then return children("projects", prid, "Project", "datasets", "Dataset") end
local scid = uri:match("^/omero/api/v0/m/screens/(%d+)/plates/$")
if scid then return children("screens", scid, "Screen", "plates", "Plate") end

-- A plate's wells with their well samples' images, paginated like datasets.
local pid = uri:match("^/omero/api/v0/m/plates/(%d+)/wells/$")
if pid then
    local list = container("plates", pid, "Plate")
    if not list then return end
    local wells, last = {}, nil
    for row, col, img in list:gmatch("(%d+)\t(%d+)\t(%d+)") do
        local key = row .. "," .. col
        if key ~= last then
            wells[#wells + 1] = {row = row, col = col, images = {}}
            last = key
        end
        local w = wells[#wells]
        w.images[#w.images + 1] = '{"@type":"http://www.openmicroscopy.org/Schemas/OME/' ..
                                  '2016-06#WellSample","Image":{"@id":' .. img ..
                                  ',"Name":"image ' .. img .. '"}}'
    end
    local items = {}
    for i, w in ipairs(wells) do
        items[i] = '{"@id":' .. (100 + i) .. ',"@type":"http://www.openmicroscopy.org/' ..
                   'Schemas/OME/2016-06#Well","Row":' .. w.row .. ',"Column":' .. w.col ..
                   ',"WellSamples":[' .. table.concat(w.images, ",") .. ']}'
    end
    return page_reply(items)
end

local iid = uri:match("^/omero/webgateway/imgData/(%d+)/$")
local doc = "imgData.json"
if not iid then
    iid = uri:match("^/omero/api/v0/m/images/(%d+)/$")
    doc = "image.json"
end
if iid then
    local body = read_file(data .. "/images/" .. iid .. "/" .. doc)
    if not body then return reply(404, '{"message":"Image ' .. iid .. ' not found"}') end
    if not web_access(iid) then return not_logged_in() end
    return reply(200, body)
end

-- the microservice says who it is (omero-ms-pixel-buffer's OPTIONS handler)
if uri:find("^/tile/") and ngx.req.get_method() == "OPTIONS" then
    return reply(200, '{"provider":"PixelBufferMicroservice"}')
end
-- /tile/ID/Z/C/T?x=&y=&w=&h=&resolution= : raw big-endian pixels of one region; 404 for any
-- failure but the session's (the service turns every exception into 404)
local tid, z, c, t = uri:match("^/tile/(%d+)/(%d+)/(%d+)/(%d+)$")
if tid then
    local geo = read_file(data .. "/images/" .. tid .. "/geometry")
    if not geo then return reply(404, "Cannot find Image:" .. tid, "text/plain") end
    local kind = session_kind(ngx.req.get_headers()["X-OMERO-Session-Key"]) or current_kind()
    -- omero_tiles_refuse=1: the service accepts no session at all (a microservice that cannot
    -- reach the session store answers every request as for an unknown session: 403)
    if d:get("omero_tiles_refuse") == 1 then kind = nil end
    if not kind or (kind == "public" and not is_public(tid)) then
        return reply(403, "session not valid", "text/plain")
    end
    local g = {}
    for v in geo:gmatch("%d+") do g[#g + 1] = tonumber(v) end
    local bpp, nlevels, T, C, Z = g[1], g[2], g[3], g[4], g[5]
    local a = ngx.req.get_uri_args()
    if a.resolution and nlevels == 1 then -- ROMIO: setResolutionLevel throws
        return reply(404, "java.lang.UnsupportedOperationException: setResolutionLevel",
                     "text/plain")
    end
    local x, y, w, h, res = tonumber(a.x), tonumber(a.y), tonumber(a.w), tonumber(a.h),
                            tonumber(a.resolution or 0)
    z, c, t = tonumber(z), tonumber(c), tonumber(t)
    if not (x and y and w and h and res) or res < 0 or res >= nlevels then
        return reply(404, "bad parameters", "text/plain")
    end
    local level = nlevels - 1 - res -- resolution 0 is the smallest level
    local W, H = g[6 + 2 * level], g[7 + 2 * level]
    if x < 0 or y < 0 or w < 1 or h < 1 or x + w > W or y + h > H or z >= Z or c >= C or
        t >= T then
        return reply(404, "region outside the image", "text/plain")
    end
    local f = io.open(string.format("%s/images/%s/L%d/%d_%d_%d.raw", data, tid, level, t, c, z),
                      "rb")
    if not f then return reply(404, "plane missing", "text/plain") end
    local rows = {}
    for row = 0, h - 1 do
        f:seek("set", ((y + row) * W + x) * bpp)
        rows[#rows + 1] = f:read(w * bpp)
    end
    f:close()
    return reply(200, table.concat(rows), "application/octet-stream")
end

return reply(404, '{"message":"not found"}')
