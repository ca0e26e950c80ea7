import schemathesis
def test_probe(app, db):
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    op = schema["/api/v1/feedback/{kind}"]["POST"]
    case = op.Case(path_parameters={"kind": "concern"}, body={"answers": {"category": "noise_traffic", "area": "old_town"}})
    r = case.call()
    print(r.status_code, r.text)
