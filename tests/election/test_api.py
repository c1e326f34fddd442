"""The API: token authentication for machines, scoped answers, OpenAPI schema."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def test_token_authentication_and_scoped_polling_areas(mini_election, make_user):
    staff = make_user("ward_staff", "26734")
    token = Token.objects.create(user=staff)
    api = APIClient()
    assert api.get("/api/elections/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    elections = api.get("/api/elections/").json()["results"]
    assert [e["slug"] for e in elections] == ["mini-2021"]
    areas = api.get("/api/elections/mini-2021/polling-areas/").json()["results"]
    assert [a["code"] for a in areas] == ["26734-01", "26734-02"]
    assert areas[0]["constituencies"] == {"QH": 1, "HDND-79": 1}
    unit = api.get("/api/units/760/?election=mini-2021")
    assert unit.status_code == 403
    unit = api.get("/api/units/26734/?election=mini-2021").json()
    assert unit["unit"]["name"] == "Phường Tân Định"
    assert [u["code"] for u in unit["breadcrumb"]] == ["79", "760", "26734"]


def test_unit_roll_up_counts_areas_and_voters(mini_election, make_user):
    api = APIClient()
    api.force_authenticate(make_user(superuser=True))
    data = api.get("/api/units/79/?election=mini-2021").json()
    assert data["polling_areas"] == 5
    children = {c["unit"]["code"]: (c["areas"], c["voters"]) for c in data["children"]}
    assert children == {"760": (3, 3650), "783": (2, 2700)}


def test_constituencies_with_candidates_in_ballot_order(mini_election, make_user):
    api = APIClient()
    api.force_authenticate(make_user("observer", "26737"))
    data = api.get("/api/elections/mini-2021/contests/QH/constituencies/").json()["results"]
    assert data[0]["seats"] == 3
    assert [c["full_name"] for c in data[0]["candidates"]][:2] == ["Nguyễn Văn An", "Phạm Minh An"]


def test_openapi_schema_lists_the_endpoints(mini_election, make_user):
    api = APIClient()
    api.force_authenticate(make_user("observer", "26737"))
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/elections/{slug}/polling-areas/" in paths
    assert "/api/units/{code}/" in paths
