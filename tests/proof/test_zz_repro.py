import httpx
async def test_repro(app, db):
    transport = httpx.ASGITransport(app=app, client=("10.0.0.1", 5555))  # the proxy
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        statuses = []
        for n in range(31):
            r = await c.post("/api/v1/surveys/worker-voice/responses",
                json={"answers": {"confidence": "tend_agree"}},
                headers={"X-Forwarded-For": f"198.51.100.{n}"})
            statuses.append(r.status_code)
    print(statuses)
