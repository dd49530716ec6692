"""The shipped catalogue imports on both databases; versions are kept; search by pinyin; sign-in."""

from __future__ import annotations

import dataclasses

import pytest

from app.catalogue.loader import load_publication
from app.services.catalogue import CatalogueService
from app.services.centre import AuthError, CentreService
from app.services.context import ServiceContext
from app.services.setup import DEMO_PASSWORD, initialise


@pytest.fixture
def ctx(db_url: str):  # type: ignore[no-untyped-def]
    context = ServiceContext.for_url(db_url)
    initialise(context)
    yield context
    context.close()


def test_first_start_seeds_catalogue_centre_windows_and_accounts(ctx: ServiceContext) -> None:
    overview = CentreService(ctx).overview()
    assert overview.centre.name == "示范区幸福街道便民服务中心"
    assert [c.number for c in overview.counters] == [1, 2, 3, 4, 5, 6]
    assert sum(c.all_groups for c in overview.counters) == 4
    assert len(overview.matters) >= 40
    assert len(overview.departments) >= 6
    assert overview.catalogue_version == load_publication().version
    assert initialise(ctx) is False  # the second start seeds nothing


def test_reimporting_the_same_version_is_a_no_op_and_changed_content_needs_a_new_version(
    ctx: ServiceContext,
) -> None:
    service = CatalogueService(ctx)
    pub = load_publication()
    assert service.import_publication(pub).already_current
    changed = dataclasses.replace(pub, matters=pub.matters[:-1])
    with pytest.raises(ValueError, match="新的版本号"):
        service.import_publication(changed)
    newer = dataclasses.replace(changed, version=pub.version + "-r2")
    result = service.import_publication(newer)
    assert not result.already_current and result.matters == len(pub.matters) - 1
    assert service.current_version() == newer.version
    assert len(service.list_matters()) == len(pub.matters) - 1
    # the old version stays readable for cases taken under it
    old = service.matter(pub.matters[-1].code, version=pub.version)
    assert old == pub.matters[-1]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("dbsq", "MZ-001"),
        ("低保", "MZ-001"),
        ("DIBAO", "MZ-001"),
        ("MZ-002", "MZ-002"),
        ("lsjz", "MZ-002"),
    ],
)
def test_search_by_name_code_and_pinyin(ctx: ServiceContext, query: str, code: str) -> None:
    found = [m.code for m in CatalogueService(ctx).search_matters(query)]
    assert code in found


@pytest.mark.parametrize("query", ["dbsq", "dibao", "低保"])
def test_search_ranks_a_name_that_starts_with_the_query_first(
    ctx: ServiceContext, query: str
) -> None:
    # "dbsq" is also inside 创业担保贷款's keywords (danbao): the ranking is the service's, not the UI's.
    assert CatalogueService(ctx).search_matters(query)[0].code == "MZ-001"


def test_search_puts_most_used_first(ctx: ServiceContext) -> None:
    service = CatalogueService(ctx)
    everything = service.search_matters("")
    favourite = everything[-1].code
    assert service.search_matters("", usage={favourite: 9})[0].code == favourite


def test_matter_spec_round_trips_through_the_database(ctx: ServiceContext) -> None:
    pub = load_publication()
    service = CatalogueService(ctx)
    for spec in pub.matters:
        assert service.matter(spec.code) == spec


def test_sign_in_checks_the_password_and_audits(ctx: ServiceContext) -> None:
    centre = CentreService(ctx)
    user = centre.sign_in("clerk1", DEMO_PASSWORD)
    assert user.role == "clerk" and user.display_name
    with pytest.raises(AuthError, match="用户名或密码错误"):
        centre.sign_in("clerk1", "wrong")
    with pytest.raises(AuthError, match="用户名或密码错误"):
        centre.sign_in("nobody", DEMO_PASSWORD)
