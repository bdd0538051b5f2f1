"""The portal library's `{% url %}` reverses once per process, and answers exactly as Django's."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from django.template import Context, Engine, Template
from django.test import override_settings
from django.urls import NoReverseMatch, include, path, set_script_prefix, set_urlconf
from django.utils import translation

from actionplan.portal.templatetags import portal

# Another URLconf, for a request that brings its own: the portal under /elsewhere/.
urlpatterns = [path("elsewhere/", include("actionplan.portal.urls"))]

ENGINE = Engine(libraries={"portal": "actionplan.portal.templatetags.portal"})

TAGS = (
    "{% url 'portal:home' %}|{% url 'portal:theme' code %}|{% url 'portal:action' pk %}"
    "|{% url 'portal:government' lg_code=lg %}|{% url 'portal:theme' code as link %}[{{ link }}]"
    "|{% url 'portal:nope' as missing %}[{{ missing }}]"
)


def render(source: str, **values: Any) -> str:
    return Template(source, engine=ENGINE).render(Context(values))


def both(**values: Any) -> tuple[str, str]:
    """The same tags through Django's built-in tag and through the portal library's."""
    return render(TAGS, **values), render("{% load portal %}" + TAGS, **values)


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    portal._reversed.cache_clear()
    yield
    set_script_prefix("/")
    set_urlconf(None)


def test_the_same_urls_as_django_in_each_language() -> None:
    values = {"code": "carbon_neutral", "pk": 25, "lg": "270008"}
    with translation.override("ja"):
        django, ours = both(**values)
        assert ours == django
        assert "/themes/carbon_neutral/" in ours
        assert "/en/" not in ours
    with translation.override("en"):
        django, ours = both(**values)
        assert ours == django
        assert "/en/themes/carbon_neutral/" in ours
    # Four URLs in each language, reversed once each (a name that does not reverse is not
    # kept), then answered from the process's table.
    assert portal._reversed.cache_info().currsize == 8
    hits = portal._reversed.cache_info().hits
    with translation.override("en"):
        assert both(**values)[1] == ours
    assert portal._reversed.cache_info().currsize == 8
    assert portal._reversed.cache_info().hits == hits + 5


def test_the_script_prefix_is_part_of_the_url() -> None:
    with translation.override("ja"):
        before = render("{% load portal %}{% url 'portal:theme' 'startups' %}")
        set_script_prefix("/plan/")
        after = render("{% load portal %}{% url 'portal:theme' 'startups' %}")
    assert before == "/themes/startups/"
    assert after == "/plan/themes/startups/"


class Code:
    """Not a number or a string: reversed through its str by Django's own tag."""

    def __str__(self) -> str:
        return "startups"


def test_escaping_and_other_arguments_as_django() -> None:
    with translation.override("ja"):
        django, ours = both(code="startups", pk=1, lg="a&b")
        assert ours == django
        assert "/governments/a&amp;b/" in ours
        assert render("{% load portal %}{% url 'portal:action' '7' %}") == "/actions/7/"
        assert render("{% load portal %}{% url 'portal:action' 7 %}") == "/actions/7/"
        django, ours = both(code=Code(), pk=2, lg="x")
        assert ours == django
        assert "/themes/startups/" in ours


def test_an_unknown_name_raises_as_django_does() -> None:
    with translation.override("ja"), pytest.raises(NoReverseMatch):
        render("{% load portal %}{% url 'portal:nope' %}")


def test_a_request_with_its_own_urlconf_is_reversed_with_it() -> None:
    with translation.override("ja"):
        assert render("{% load portal %}{% url 'portal:theme' 'startups' %}") == (
            "/themes/startups/"
        )
        set_urlconf(__name__)  # as the handler does for a request with its own `urlconf`
        django, ours = both(code="startups", pk=3, lg="x")
    assert ours == django
    assert ours.startswith("/elsewhere/|/elsewhere/themes/startups/|/elsewhere/actions/3/")


class Kind(str, Enum):  # noqa: UP042 - unlike StrEnum, prints otherwise than its value
    A = "a"


def test_values_equal_to_others_are_not_mixed_up() -> None:
    """True equals 1 and an Enum member of str equals its value, but neither gives the same
    URL: each is reversed on its own, as Django's tag does."""
    with translation.override("ja"):
        for values in ({"lg": True}, {"lg": 1}, {"lg": Kind.A}, {"lg": "a"}, {"lg": True}):
            template = "{% url 'portal:government' lg %}"
            assert render("{% load portal %}" + template, **values) == render(template, **values)
        assert render("{% load portal %}{% url 'portal:government' 1 %}") == "/governments/1/"
        # 1 is now a key of the memo: a bool equal to it must still not be answered from it.
        render("{% load portal %}{% url 'portal:action' 1 %}")
        with pytest.raises(NoReverseMatch):
            render("{% load portal %}{% url 'portal:action' pk %}", pk=True)


@override_settings(ROOT_URLCONF="actionplan.urls")
def test_a_changed_urlconf_forgets_the_urls() -> None:
    with translation.override("ja"):
        render("{% load portal %}{% url 'portal:home' %}")
    assert portal._reversed.cache_info().currsize == 1
    with override_settings(ROOT_URLCONF="actionplan.urls"):
        assert portal._reversed.cache_info().currsize == 0
