-- wrk script: the signed-in bench user votes on an idea, toggling between +1 and 0,
-- so every request is a valid change of vote. Each wrk thread takes its own idea.
-- Arguments (after --): the URL-encoded CSRF token, then one or more idea ids.
-- The session cookie, User-Agent and Accept headers come from wrk's -H options.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  token = args[1]
  local count = #args - 1
  idea = args[((thread_number - 1) % count) + 2]
  value = 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local body = "csrf_token=" .. token .. "&value=" .. value
  value = 1 - value
  return wrk.format("POST", "/ideas/" .. idea .. "/vote", nil, body)
end
