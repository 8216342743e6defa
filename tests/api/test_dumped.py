"""The long lists send values made in the view (``schemas.Dumped``) instead of having
marshmallow dump them field by field: each must be exactly what the documented schema
would send. Loading an item with its schema and dumping it again gives the item back
only if every field is there, of its type and format (an ISO date as marshmallow writes
it), and nothing else is."""

from __future__ import annotations

from ideaboard.api.v1 import schemas
from ideaboard.comments.services import add_comment, edit_comment
from ideaboard.extensions import db
from tests.helpers.api import ApiClient, new_token
from tests.helpers.review import make_idea


def same_as_the_schema_sends(schema, items: list[dict]) -> None:
    assert items, "nothing to compare"
    for item in items:
        assert schema.dump(schema.load(item)) == item


def test_the_idea_list_sends_what_its_schema_would(app, employee, author, admin,
                                                   it_department):
    make_idea(author, it_department, title="Printer toner on every floor", tags=[])
    make_idea(author, it_department, title="Anonymous idea about the canteen",
              is_anonymous=True)
    db.session.commit()
    for viewer in (employee, admin):  # the author hidden, and named
        listed = ApiClient(app.test_client(), new_token(viewer)).get("/ideas?sort=new")
        assert listed.status_code == 200, listed.json
        same_as_the_schema_sends(schemas.IdeaSummary(), listed.json["items"])
    assert {item["author"] for item in listed.json["items"]} == {author.display_name}


def test_the_comment_list_sends_what_its_schema_would(app, employee, author, it_department):
    idea = make_idea(author, it_department, title="Quieter meeting rooms")
    first = add_comment(employee, idea, "Carpets would help.")
    add_comment(author, idea, "Agreed, and curtains.", parent=first)
    edit_comment(first, employee, "Carpets would help a lot.")
    db.session.commit()
    listed = ApiClient(app.test_client(), new_token(employee)).get(f"/ideas/{idea.id}/comments")
    assert listed.status_code == 200, listed.json
    threads = listed.json["items"]
    same_as_the_schema_sends(schemas.ThreadOut(), threads)
    assert threads[0]["comment"]["edited_at"] is not None  # an edited one's date too
