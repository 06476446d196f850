#!/usr/bin/env escript
%% Peer workload of bench/cache: the original's four batch strategies over an ETS cache that
%% already holds todos 1..N (every fetch a hit), as its "Ets Cached" benchmark. Elixir's Task is
%% emulated with spawn_link and a reply message (Task.async / Task.yield). Prints one JSON line:
%% runs per second of each strategy, and single cached fetches per second.
-mode(compile).

main([NStr, TimeMsStr]) ->
    N = list_to_integer(NStr),
    TimeMs = list_to_integer(TimeMsStr),
    ets:new(ecache, [ordered_set, public, named_table, {read_concurrency, true}]),
    [ets:insert(ecache, {I, todo(I)}) || I <- lists:seq(1, N)],
    Ids = lists:seq(1, N),
    Jobs = [
        {"yield_many_asynced_stream", fun() -> yield_many_asynced_stream(Ids) end},
        {"asynced_stream", fun() -> asynced_stream(Ids) end},
        {"enum_yield_many", fun() -> enum_yield_many(Ids) end},
        {"stream_synced", fun() -> stream_synced(Ids) end},
        {"hit", fun() -> fetch(1) end}
    ],
    Results = [{Name, ips(F, TimeMs)} || {Name, F} <- Jobs],
    Body = string:join([io_lib:format("\"~s\":~.3f", [K, V]) || {K, V} <- Results], ","),
    io:format("{~s}~n", [Body]).

todo(I) ->
    #{<<"userId">> => (I + 19) div 20, <<"id">> => I, <<"title">> => <<"delectus aut autem">>,
      <<"completed">> => I rem 3 =:= 0}.

fetch(I) ->
    case ets:lookup(ecache, I) of
        [{_, M}] -> {ok, M#{<<"was_cached">> => true}};
        [] -> {error, miss}
    end.

task(F) ->
    Parent = self(),
    Ref = make_ref(),
    spawn_link(fun() -> Parent ! {Ref, F()} end),
    Ref.

yield(Ref, Timeout) ->
    receive {Ref, R} -> {ok, R} after Timeout -> nil end.

stream_synced(Ids) -> [fetch(I) || I <- Ids].

enum_yield_many(Ids) ->
    Refs = [task(fun() -> fetch(I) end) || I <- Ids],
    [yield(R, 5000) || R <- Refs].

yield_many_asynced_stream(Ids) -> [yield(task(fun() -> fetch(I) end), 5000) || I <- Ids].

%% Task.async_stream: at most schedulers_online tasks in flight, results in input order.
asynced_stream(Ids) ->
    Width = erlang:system_info(schedulers_online),
    {First, Rest} = lists:split(min(Width, length(Ids)), Ids),
    pool([task(fun() -> fetch(I) end) || I <- First], Rest, []).

pool([], _, Acc) -> lists:reverse(Acc);
pool([Ref | InFlight], Pending, Acc) ->
    R = yield(Ref, 5000),
    case Pending of
        [] -> pool(InFlight, [], [R | Acc]);
        [I | More] -> pool(InFlight ++ [task(fun() -> fetch(I) end)], More, [R | Acc])
    end.

ips(F, TimeMs) ->
    loop(F, erlang:monotonic_time(millisecond) + TimeMs div 5, 0),
    Start = erlang:monotonic_time(nanosecond),
    Runs = loop(F, erlang:monotonic_time(millisecond) + TimeMs, 0),
    Runs / ((erlang:monotonic_time(nanosecond) - Start) / 1.0e9).

loop(F, Until, Runs) ->
    F(),
    case erlang:monotonic_time(millisecond) >= Until of
        true -> Runs + 1;
        false -> loop(F, Until, Runs + 1)
    end.
