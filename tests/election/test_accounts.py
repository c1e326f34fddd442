"""Accounts by unit: an administrator creates people with roles inside their units only."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from common.models import AuditEvent
from election.models import AdminUnit, Role

URL = reverse("accounts", args=["mini-2021"])


def _form(**kw):
    data = {
        "username": "canbo.tandinh",
        "full_name": "Nguyễn Thị Cán Bộ",
        "password": "mat-khau-rat-dai-2026",
        "kind": "ward_staff",
        "unit": "26734",
        "polling_area": "",
    }
    data.update(kw)
    return data


def test_unit_admin_creates_a_ward_staff_account(client, make_user, mini_election):
    admin = make_user("admin", "760")
    client.force_login(admin)
    response = client.post(URL, _form())
    assert response.status_code == 302
    user = get_user_model().objects.get(username="canbo.tandinh")
    assert user.check_password("mat-khau-rat-dai-2026")
    role = Role.objects.get(user=user)
    assert (role.kind, role.unit.code) == ("ward_staff", "26734")
    assert AuditEvent.objects.filter(action="account.created", actor=admin).exists()
    assert AuditEvent.objects.filter(action="role.granted", actor=admin).exists()
    # the new person can log in and sees their ward
    client.logout()
    assert client.login(username="canbo.tandinh", password="mat-khau-rat-dai-2026")
    assert client.get(reverse("unit", args=["mini-2021", "26734"])).status_code == 200


def test_bad_input_is_refused_in_vietnamese_and_creates_nothing(client, make_user, mini_election):
    admin = make_user("admin", "760")
    client.force_login(admin)
    response = client.post(URL, _form(password="123", unit="27496"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Bạn không được phân quyền tại đơn vị này" in body  # outside Quận 1
    assert "quá ngắn" in body  # Django's own Vietnamese password message
    response = client.post(URL, _form(kind="team_secretary", polling_area="26737-01"))
    assert "không thuộc đơn vị" in response.content.decode()
    response = client.post(URL, _form(kind="admin"))
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="canbo.tandinh").exists()


def test_team_secretary_account_is_bound_to_its_area(client, make_user, mini_election):
    client.force_login(make_user(superuser=True))
    response = client.post(
        URL, _form(kind="team_secretary", polling_area="26734-02", username="thuky.kv2")
    )
    assert response.status_code == 302
    role = Role.objects.get(user__username="thuky.kv2")
    assert role.body.polling_area.code == "26734-02"


def test_revoke_a_role(client, make_user, mini_election):
    admin = make_user("admin", "760")
    staff = make_user("ward_staff", "26734")
    outsider = make_user("ward_staff", "27496")
    client.force_login(admin)
    role = Role.objects.get(user=staff)
    assert client.post(URL, {"revoke": role.pk}).status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoked").exists()
    other = Role.objects.get(user=outsider)
    assert client.post(URL, {"revoke": other.pk}).status_code == 403
    assert Role.objects.filter(pk=other.pk).exists()
    assert AdminUnit.objects.get(code="27496")
