from portal.redis_server import EmbeddedRedis, redis_answers, resolve_redis


def test_embedded_redis_is_a_real_server_and_stops_on_exit() -> None:
    with EmbeddedRedis() as server:
        import redis

        client = redis.Redis.from_url(server.url)
        client.set("portal-check", "1")
        assert client.get("portal-check") == b"1"
        client.close()
        url = server.url
    assert not redis_answers(url)


def test_configured_redis_url_is_used_as_it_is() -> None:
    url, started = resolve_redis({"REDIS_URL": "redis://redis.internal:6380/2"})
    assert url == "redis://redis.internal:6380/2"
    assert started is None


def test_without_redis_url_a_run_gets_a_redis_of_its_own_even_when_one_answers_on_6379(
    monkeypatch,
) -> None:
    # Another checkout's `make run` (or anything else) may be using the Redis on 6379: a run
    # that borrowed it would share its queue, and each would take the other's reminders.
    monkeypatch.setattr(
        "portal.redis_server.redis_answers",
        lambda url, timeout=0.5: url.startswith("redis://127.0.0.1:6379") or redis_answers(url),
    )
    url, started = resolve_redis({})
    try:
        assert started is not None
        assert url == started.url != "redis://127.0.0.1:6379/0"
    finally:
        if started is not None:
            started.stop()
