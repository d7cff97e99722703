"""Generated input to the create-user and edit-user forms: never a 500, never half-written."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st

from shelter.audit.models import AuditEvent
from shelter.auth.models import User, UserRole, user_facilities
from shelter.extensions import db

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ROLE_CODES = ["admin", "facility_manager", "intake_staff", "case_manager", "caseworker"]

texts = st.text(max_size=300)
ints = st.integers(min_value=-(2**70), max_value=2**70).map(str)
words = st.one_of(texts, ints, st.sampled_from(["", " ", "0", "-1", "1e3", "null", "%", "\x00"]))


def ids(known):
    return st.lists(st.one_of(st.sampled_from(known), ints, words), max_size=5)


def optional(strategy):
    return st.one_of(st.none(), strategy)


def roles():
    return st.lists(st.one_of(st.sampled_from(ROLE_CODES), words), max_size=6)


def passwords():
    return st.one_of(texts, st.text(min_size=9, max_size=12), st.text(min_size=126, max_size=131))


def phones():
    return st.one_of(words, st.sampled_from(["0812 3456 7890", "+62 21 555 0199", "+1 202 555 0143", "08"]))


valid_emails = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}@[a-z]{2,10}\.(org|co\.id|com)", fullmatch=True)
valid_names = st.text(st.characters(categories=("L", "Zs")), min_size=1, max_size=120).filter(str.strip)
valid_passwords = st.text(st.characters(exclude_categories=("Cs",)), min_size=10, max_size=128).filter(str.strip)
valid_phones = st.sampled_from(["", "0812 3456 7890", "+62 21 555 0199", "0811-2000-3000"])


@st.composite
def forms(draw, valid: dict, wild: dict):
    """A valid form with up to three fields replaced by wild values or left out, so that both the
    success path and every refusal are exercised."""
    form = {key: draw(strategy) for key, strategy in valid.items()}
    for key in draw(st.lists(st.sampled_from(sorted(valid)), max_size=3, unique=True)):
        form[key] = draw(optional(wild[key]))
    return {key: value for key, value in form.items() if value is not None}


def _count(model_or_table) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model_or_table))


def _audits(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _post(client, url, data, htmx):
    if htmx:
        return client.htmx("POST", url, data=data)
    return client.post(url, data=data)


def test_create_user_form_survives_generated_input(admin_client, make_facility):
    facility_ids = [str(make_facility().id), str(make_facility().id)]

    valid = {"email": valid_emails, "full_name": valid_names,
             "roles": st.lists(st.sampled_from(ROLE_CODES), min_size=1, max_size=3),
             "facilities": st.lists(st.sampled_from(facility_ids), max_size=2),
             "phone": valid_phones, "password": valid_passwords}
    wild = {"email": st.one_of(st.emails(), words), "full_name": words, "roles": roles(),
            "facilities": ids(facility_ids), "phone": phones(), "password": passwords()}

    @SETTINGS
    @given(form=forms(valid, wild), htmx=st.booleans())
    def check(form, htmx):
        db.session.expire_all()
        users, role_rows, links, created = (_count(User), _count(UserRole), _count(user_facilities),
                                            _audits("user.created"))
        response = _post(admin_client, "/admin/users/new", form, htmx)
        assert response.status_code < 500
        db.session.expire_all()
        note_event("refused" if _count(User) == users else "created")
        if _count(User) == users:
            assert (_count(UserRole), _count(user_facilities), _audits("user.created")) == (role_rows, links, created)
            assert response.status_code in (200, 422) and "HX-Redirect" not in response.headers
        else:
            assert _count(User) == users + 1 and _audits("user.created") == created + 1
            user = db.session.scalars(sa.select(User).order_by(User.id.desc())).first()
            assert user.must_change_password and user.active and user.roles
            assert user.roles <= set(form["roles"]) and {str(i) for i in user.facility_ids} <= set(form.get("facilities") or [])
            assert user.email == user.email.lower().strip() and len(user.email) <= 254
            assert user.phone is None or user.phone.startswith("+")
            assert response.status_code == (200 if htmx else 302)

    check()


def test_edit_user_form_survives_generated_input(admin_client, admin, make_user, make_facility):
    facility_ids = [str(make_facility().id), str(make_facility().id)]
    target = make_user(roles=("caseworker",))

    def snapshot(user_id):
        user = db.session.get(User, user_id)
        return (user.full_name, frozenset(user.roles), frozenset(user.facility_ids), user.phone)

    valid = {"full_name": valid_names, "roles": st.lists(st.sampled_from(ROLE_CODES), min_size=1, max_size=3),
             "facilities": st.lists(st.sampled_from(facility_ids), max_size=2), "phone": valid_phones}
    wild = {"full_name": words, "roles": roles(), "facilities": ids(facility_ids), "phone": phones()}

    @SETTINGS
    @given(form=forms(valid, wild), htmx=st.booleans(), own=st.booleans())
    def check(form, htmx, own):
        user_id = admin.id if own else target.id
        db.session.expire_all()
        before, updated = snapshot(user_id), _audits("user.updated")
        response = _post(admin_client, f"/admin/users/{user_id}", form, htmx)
        assert response.status_code < 500
        db.session.expire_all()
        after = snapshot(user_id)
        note_event("changed" if after != before else "unchanged")
        assert _audits("user.updated") == updated + (after != before)
        if "field-error" in response.get_data(as_text=True):
            assert after == before, "a refused edit changes nothing"
        assert after[1], "a user always keeps at least one role"
        assert "admin" in db.session.get(User, admin.id).roles, "the admin never demotes themselves"
        if after != before:
            assert response.status_code in (200, 302)
            event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.updated")
                                       .order_by(AuditEvent.id.desc())).first()
            assert event.target_id == user_id and event.detail["fields"]

    check()
