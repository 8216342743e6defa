-- wrk script: the launch of a campaign (bench/cluster.py). Many signed-in people each
-- read the lists and an idea, vote on it and comment, all at once. The requests come
-- from the tab-separated file named by LAUNCH_REQUESTS (method, path, cookie, body,
-- one per line); each wrk thread goes round them from its own starting point.
-- User-Agent and Accept come from wrk's -H options (the session is bound to them).

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_number", #threads)
end

function init(args)
  requests = {}
  for line in io.lines(os.getenv("LAUNCH_REQUESTS")) do
    local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = { ["Cookie"] = cookie }
    if method == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
    else
      body = nil
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  position = ((thread_number - 1) * 7919) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

-- Answers counted by status, printed at the end ("answers 200 1234"), so one kind of
-- error can be told from another (wrk does not say which request an answer is to).
answers = {}

function response(status, headers, body)
  answers[status] = (answers[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("answers")) do
      totals[key] = (totals[key] or 0) + count
    end
  end
  for key, count in pairs(totals) do
    io.write(string.format("answers %s %d\n", key, count))
  end
end
