"""Referral partners: admins keep the list (never a delete), the rules of a partner's fields, and the
partner's API tokens, shown once on the page that issued them."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from tests.conftest import audit_events, page_of

TOKEN = re.compile(r"shelp_[A-Za-z0-9_\-]{20,}")
def partner_input(**overrides):
    from shelter.referrals.partners import PartnerInput

    values = dict(name="RSUD Rekaan Uji PPT", kind="hospital", kota="jakarta_barat", contact_name="dr. Rekaan Uji",
                  contact_phone="0812 5550 3344", contact_email="ppt@rsud-rekaan.test")
    values.update(overrides)
    return PartnerInput(**values)


def partners_named(name: str) -> int:
    from shelter.referrals.models import Partner

    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Partner).where(Partner.name == name))


# --- the service ------------------------------------------------------------------------------------------

def test_a_new_partner_is_stored_cleaned_and_audited_with_ids_only(app, admin):
    from shelter.referrals import partners

    partner = partners.create(partner_input(name="  LBH Rekaan Uji  ", contact_email=" lbh@rekaan.test "), by=admin)
    db.session.commit()
    assert (partner.name, partner.contact_phone, partner.contact_email) == ("LBH Rekaan Uji", "+6281255503344",
                                                                            "lbh@rekaan.test")
    assert partner.active
    [event] = audit_events("partner.created")
    assert event.target_id == partner.id and "Rekaan" not in str(event.detail)


@pytest.mark.parametrize("overrides, problems", [
    (dict(name="  "), {"name": "required"}),
    (dict(name="Mitra\u202eTerbalik"), {"name": "hidden_characters"}),
    (dict(name="x" * 121), {"name": "too_long"}),
    (dict(kind="bank"), {"kind": "invalid_choice"}),
    (dict(kind=""), {"kind": "required"}),
    (dict(kota="bandung"), {"kota": "invalid_choice"}),
    (dict(contact_phone="12ab"), {"contact_phone": "phone_format"}),
    (dict(contact_email="bukan-email"), {"contact_email": "email_format"}),
    (dict(contact_phone="0812", contact_email="a@b"), {"contact_phone": "phone_format",
                                                       "contact_email": "email_format"}),
])
def test_bad_input_names_each_field_and_stores_nothing(app, admin, overrides, problems):
    from shelter.referrals import partners

    with pytest.raises(partners.PartnerInvalid) as error:
        partners.create(partner_input(**overrides), by=admin)
    assert error.value.problems == problems
    db.session.rollback()
    assert audit_events("partner.created") == []


def test_a_duplicate_name_is_a_field_problem_whatever_its_case(app, admin, make_partner):
    from shelter.referrals import partners

    existing = make_partner(name="UPTD PPA Rekaan Uji")
    with pytest.raises(partners.PartnerInvalid) as error:
        partners.create(partner_input(name="uptd ppa rekaan uji"), by=admin)
    assert error.value.problems == {"name": "taken"}
    db.session.rollback()
    other = make_partner(name="Puspa Rekaan Uji")
    with pytest.raises(partners.PartnerInvalid):
        partners.update(other, partner_input(name=existing.name), by=admin)
    db.session.rollback()
    # Keeping its own name is no duplicate.
    assert partners.update(existing, partner_input(name="UPTD PPA Rekaan Uji"), by=admin)


def test_two_admins_adding_the_same_name_at_once_get_a_field_problem_not_a_500(app, admin, make_partner,
                                                                                monkeypatch):
    """The check before the insert cannot see a partner added at the same moment: the unique index
    does, in a savepoint, on both databases; the session stays usable."""
    from shelter.referrals import partners

    make_partner(name="Tim Penjangkauan Rekaan Uji")
    monkeypatch.setattr(partners, "_name_taken", lambda name, partner_id: False)
    with pytest.raises(partners.PartnerInvalid) as error:
        partners.create(partner_input(name="Tim Penjangkauan Rekaan Uji"), by=admin)
    assert error.value.problems == {"name": "taken"}
    db.session.rollback()
    partners.create(partner_input(name="Tim Lain Rekaan Uji"), by=admin)
    db.session.commit()
    assert partners_named("Tim Penjangkauan Rekaan Uji") == 1


def test_deactivating_keeps_the_partner_and_takes_it_out_of_the_choices(app, admin, make_partner):
    from shelter.referrals import partners

    partner = make_partner(name="Polres Rekaan Nonaktif")
    assert partners.deactivate(partner, by=admin)
    assert not partners.deactivate(partner, by=admin)
    db.session.commit()
    assert partners_named("Polres Rekaan Nonaktif") == 1
    assert partner.id not in dict(partners.active_partners())
    assert partners.reactivate(partner, by=admin)
    assert partner.id in dict(partners.active_partners())


# --- the pages --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["facility_manager", "intake_staff", "case_manager", "caseworker"])
def test_only_admins_open_the_partner_pages(client, login_as, make_user, make_facility, make_partner, role):
    partner = make_partner()
    login_as(make_user(roles=(role,), facilities=[make_facility()]))
    missing = page_of(client.get("/admin/partners/2000000000"))
    for url in ("/admin/partners", "/admin/partners/new", f"/admin/partners/{partner.id}"):
        response = client.get(url)
        assert response.status_code == 404 and page_of(response) == missing
    response = client.post("/admin/partners/new", data={"name": "Mitra Penyusup", "kind": "other"})
    assert response.status_code == 404 and partners_named("Mitra Penyusup") == 0


def test_the_list_filters_pages_and_says_when_it_is_empty(client, login_as, admin, make_partner):
    login_as(admin)
    assert "Belum ada mitra" in client.get("/admin/partners").get_data(as_text=True)
    for n in range(26):
        make_partner(name=f"Unit PPA Rekaan {n:02d}", kind="police_ppa", kota="jakarta_timur")
    make_partner(name="RSUD Rekaan Filter", kind="hospital", kota="jakarta_barat")
    make_partner(name="LBH Rekaan Nonaktif", kind="legal_aid", kota=None, active=False)
    html = client.get("/admin/partners?kind=hospital").get_data(as_text=True)
    assert "RSUD Rekaan Filter" in html and "Unit PPA Rekaan" not in html
    html = client.get("/admin/partners?status=inactive").get_data(as_text=True)
    assert "LBH Rekaan Nonaktif" in html and "RSUD Rekaan Filter" not in html
    page2 = client.htmx("GET", "/admin/partners?kind=police_ppa&page=2").get_data(as_text=True)
    assert page2.lstrip().startswith('<div id="partners-table">') and "Unit PPA Rekaan 25" in page2
    assert "Unit PPA Rekaan 00" not in page2
    html = client.get("/admin/partners?kind=police_ppa&kota=kepulauan_seribu").get_data(as_text=True)
    assert "Tidak ada mitra yang sesuai" in html
    assert client.get("/admin/partners?kind=bank").status_code == 200


def test_an_admin_adds_a_partner_and_a_bad_form_keeps_what_was_typed(client, login_as, admin, make_partner):
    login_as(admin)
    make_partner(name="Puspa Rekaan Ganda")
    form = {"name": "Puspa Rekaan Ganda", "kind": "puspa", "kota": "jakarta_utara", "contact_name": "Ibu Rekaan",
            "contact_phone": "0812-ABCD", "contact_email": "puspa@rekaan.test"}
    response = client.post("/admin/partners/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Mitra dengan nama ini sudah ada." in html
    assert "Masukkan nomor telepon yang valid" in html
    assert 'value="0812-ABCD"' in html and 'value="Ibu Rekaan"' in html
    assert partners_named("Puspa Rekaan Ganda") == 1

    htmx = client.htmx("POST", "/admin/partners/new", data=form)
    assert htmx.status_code == 200 and "Mitra dengan nama ini sudah ada." in htmx.get_data(as_text=True)

    response = client.post("/admin/partners/new", data={**form, "name": "Puspa Rekaan Baru", "contact_phone": "0812 5550 4455"})
    assert response.status_code == 302
    from shelter.referrals.models import Partner

    partner = db.session.scalar(sa.select(Partner).where(Partner.name == "Puspa Rekaan Baru"))
    assert partner.contact_phone == "+6281255504455" and partner.kind == "puspa"
    edit = client.post(f"/admin/partners/{partner.id}", data={**form, "name": "Puspa Rekaan Baru",
                                                               "contact_phone": "", "kota": ""})
    assert edit.status_code == 302
    db.session.expire_all()
    assert partner.contact_phone is None and partner.kota is None


def test_deactivation_asks_first_then_keeps_the_partner(client, login_as, admin, make_partner):
    partner = make_partner(name="UPTD PPA Rekaan Konfirmasi")
    login_as(admin)
    ask = client.htmx("GET", f"/admin/partners/{partner.id}/deactivate").get_data(as_text=True)
    assert "Nonaktifkan UPTD PPA Rekaan Konfirmasi?" in ask and "Ya, nonaktifkan" in ask
    db.session.expire_all()
    assert partner.active
    done = client.htmx("POST", f"/admin/partners/{partner.id}/deactivate")
    assert done.status_code == 200 and 'hx-swap-oob="true"' in done.get_data(as_text=True)
    db.session.expire_all()
    assert not partner.active and partners_named("UPTD PPA Rekaan Konfirmasi") == 1
    assert client.post(f"/admin/partners/{partner.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert partner.active


# --- tokens -----------------------------------------------------------------------------------------------

def test_a_token_is_shown_once_and_only_its_hash_is_kept(client, login_as, admin, make_partner):
    from shelter.referrals.models import PartnerToken

    partner = make_partner()
    login_as(admin)
    response = client.htmx("POST", f"/admin/partners/{partner.id}/tokens", data={"name": "Sistem PPA Rekaan"})
    html = response.get_data(as_text=True)
    [token] = TOKEN.findall(html)
    assert "hanya ditampilkan sekali" in html
    assert token not in str(dict(response.headers))
    row = db.session.scalar(sa.select(PartnerToken).where(PartnerToken.partner_id == partner.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.name == "Sistem PPA Rekaan"
    [event] = audit_events("partner_token.issued")
    assert event.detail == {"token_id": row.id}
    # Never again: not on the page, not in a flash message.
    for url in (f"/admin/partners/{partner.id}", "/admin/partners"):
        assert token not in client.get(url).get_data(as_text=True)
    assert TOKEN.search(client.get(f"/admin/partners/{partner.id}").get_data(as_text=True)) is None

    nameless = client.post(f"/admin/partners/{partner.id}/tokens", data={"name": " "})
    assert nameless.status_code == 422 and "Beri nama token" in nameless.get_data(as_text=True)
    assert TOKEN.search(nameless.get_data(as_text=True)) is None


def test_revoking_a_token_asks_first(client, login_as, admin, make_partner):
    from shelter.referrals import tokens as partner_tokens

    partner = make_partner()
    token = partner_tokens.issue_partner_token(partner, name="Uji", by=admin)
    db.session.commit()
    row = partner_tokens.tokens_of(partner)[0]
    login_as(admin)
    ask = client.htmx("GET", f"/admin/partners/{partner.id}/tokens/{row.id}/revoke").get_data(as_text=True)
    assert "Cabut token ini?" in ask and token not in ask
    db.session.expire_all()
    assert row.revoked_at is None
    assert client.htmx("POST", f"/admin/partners/{partner.id}/tokens/{row.id}/revoke").status_code == 200
    db.session.expire_all()
    assert row.revoked_at is not None
    assert not partner_tokens.revoke_partner_token(row, by=admin)
    other = make_partner()
    assert client.post(f"/admin/partners/{other.id}/tokens/{row.id}/revoke").status_code == 404


def test_an_inactive_partner_gets_no_token(app, admin, make_partner):
    from shelter.referrals import tokens as partner_tokens

    partner = make_partner(active=False)
    with pytest.raises(partner_tokens.PartnerInactive):
        partner_tokens.issue_partner_token(partner, name="Uji", by=admin)
