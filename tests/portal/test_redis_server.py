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
