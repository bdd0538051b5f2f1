from __future__ import annotations

from decimal import Decimal

import pytest

from actionplan.plans import models as m
from actionplan.web.prepared import PreparedQuery, columns

pytestmark = pytest.mark.django_db

_MILESTONES = PreparedQuery(
    lambda version_id, theme_code: (
        m.Milestone.objects.filter(version_id=version_id, theme__code=theme_code)
        .order_by("position", "id")
        .values("id", "key", "figure_value", "theme__code", "version__is_current")
    ),
    version_id=int,
    theme_code=str,
)


def test_it_answers_what_the_orm_answers_for_any_arguments(plan_version: m.PlanVersion) -> None:
    for theme in plan_version.themes.all():
        expected = list(
            m.Milestone.objects.filter(version_id=plan_version.pk, theme__code=theme.code)
            .order_by("position", "id")
            .values("id", "key", "figure_value", "theme__code", "version__is_current")
        )
        assert _MILESTONES.rows(version_id=plan_version.pk, theme_code=theme.code) == expected
    assert _MILESTONES.rows(version_id=plan_version.pk, theme_code="no-such-theme") == []


def test_it_converts_values_as_the_orm_does(plan_version: m.PlanVersion) -> None:
    with_figure = m.Milestone.objects.filter(version=plan_version, figure_value__isnull=False)
    milestone = with_figure.select_related("theme").first()
    assert milestone is not None
    rows = _MILESTONES.rows(version_id=plan_version.pk, theme_code=milestone.theme.code)
    row = next(r for r in rows if r["id"] == milestone.pk)
    assert isinstance(row["figure_value"], Decimal)
    assert row["figure_value"] == milestone.figure_value
    assert row["version__is_current"] is True


def test_it_reads_the_database_on_every_call(plan_version: m.PlanVersion) -> None:
    current = PreparedQuery(
        lambda: (
            m.PlanVersion.objects.filter(is_current=True)
            .order_by("pk")
            .values(*columns(m.PlanVersion))
        )
    )
    first = current.first_instance()
    assert first == plan_version
    assert first.edition_ja == plan_version.edition_ja
    m.PlanVersion.objects.filter(pk=plan_version.pk).update(edition_ja="改訂")
    assert current.first_instance().edition_ja == "改訂"
    m.PlanVersion.objects.filter(pk=plan_version.pk).update(is_current=False)
    assert current.first_instance() is None


def test_a_parameter_that_does_not_reach_the_sql_is_refused(plan_version: m.PlanVersion) -> None:
    in_a_list = PreparedQuery(
        lambda pk: m.Action.objects.filter(pk__in=[pk, pk + 1]).values("id"), pk=int
    )
    with pytest.raises(TypeError, match="computed"):
        in_a_list.rows(pk=1)
    not_values = PreparedQuery(lambda pk: m.Action.objects.filter(pk=pk), pk=int)
    with pytest.raises(TypeError, match="values"):
        not_values.rows(pk=1)


def test_columns_can_come_out_under_other_names(plan_version: m.PlanVersion) -> None:
    renamed = PreparedQuery(
        lambda version_id: (
            m.Milestone.objects.filter(version_id=version_id)
            .order_by("position", "id")
            .values("id", "theme__code", "figure_value")
        ),
        names={"theme__code": "theme_code"},
        version_id=int,
    )
    expected = [
        {"id": row["id"], "theme_code": row["theme__code"], "figure_value": row["figure_value"]}
        for row in m.Milestone.objects.filter(version_id=plan_version.pk)
        .order_by("position", "id")
        .values("id", "theme__code", "figure_value")
    ]
    assert expected and renamed.rows(version_id=plan_version.pk) == expected
    # Converters still apply to a renamed row, and a renamed row makes no model instance.
    assert any(isinstance(row["figure_value"], Decimal) for row in expected)
    with pytest.raises(TypeError, match="instance"):
        renamed.instances(version_id=plan_version.pk)
    misnamed = PreparedQuery(
        lambda: m.Milestone.objects.values("id"), names={"theme__code": "theme_code"}
    )
    with pytest.raises(TypeError, match="theme__code"):
        misnamed.rows()


def test_arguments_and_names_are_checked(plan_version: m.PlanVersion) -> None:
    with pytest.raises(TypeError, match="expected"):
        _MILESTONES.rows(version_id=plan_version.pk, theme_code="x", extra=1)
    clash = PreparedQuery(
        lambda: m.Milestone.objects.values("id", "theme__code"), names={"theme__code": "id"}
    )
    with pytest.raises(TypeError, match="one name"):
        clash.rows()
