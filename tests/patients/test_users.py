import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, RequestFactory

from patients.models import User


@pytest.mark.django_db
def test_people_log_in_by_email_whatever_its_case(client: Client) -> None:
    User.objects.create_user("Alex.Moreno@Example.com", "a-strong-passphrase")
    request = RequestFactory().post("/accounts/login/")
    user = authenticate(request, username="ALEX.MORENO@example.com", password="a-strong-passphrase")
    assert user is not None and user.email == "alex.moreno@example.com"
    response = client.post(
        "/accounts/login/",
        {"username": "alex.moreno@EXAMPLE.com", "password": "a-strong-passphrase"},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client: Client) -> None:
    User.objects.create_user("sam@example.com", "a-strong-passphrase")
    response = client.post("/accounts/login/", {"username": "sam@example.com", "password": "x"})
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode()


@pytest.mark.django_db
def test_an_email_address_belongs_to_one_person_only() -> None:
    User.objects.create_user("robin@example.com", "a-strong-passphrase")
    twin = User(email="Robin@Example.com")
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert "email" in error.value.message_dict


@pytest.mark.django_db
def test_user_without_email_is_refused() -> None:
    with pytest.raises(ValueError, match="email address is required"):
        User.objects.create_user("", "a-strong-passphrase")


@pytest.mark.django_db
def test_createsuperuser_works_with_email_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-strong-passphrase")
    call_command("createsuperuser", "--noinput", "--email", "Owner@Clinic.example")
    owner = User.objects.get()
    assert owner.email == "owner@clinic.example"
    assert owner.is_superuser and owner.is_staff
