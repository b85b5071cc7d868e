"""Tickets by e-mail against the real servers and a real SMTP server (aiosmtpd on a free
port): a ticket created through the bot gets its acknowledgement (To, Subject with the
reference, French body), sent by the Rasa server's background sender; a reply written
in the agent console's API arrives by mail too, threaded; `support-desk send-mail`
drains what is left."""
from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import requests
import yaml

from tests.integration.conftest import ALWAYS_CLOSED
from tests.servers import BIN, MODEL, ROOT, running_servers, server_environment
from tests.smtp_server import body_of, smtp_server

AGENT, PASSWORD = "mailagent", "mot-de-passe-" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("mail-servers")
    with smtp_server() as inbox:
        raw = yaml.safe_load((ROOT / "support.yml").read_text(encoding="utf-8"))
        raw.update(hours=ALWAYS_CLOSED, holidays=False)
        raw["mail"] = {"host": "127.0.0.1", "port": inbox.port, "security": "none",
                       "send_interval_seconds": 1, "timeout_seconds": 5}
        (work / "support.yml").write_text(yaml.safe_dump(raw, allow_unicode=True),
                                          encoding="utf-8")
        env = server_environment(work)
        subprocess.run([str(BIN / "support-desk"), "agent", "add", AGENT, "--password-stdin"],
                       env=env, input=PASSWORD + "\n", text=True, check=True,
                       capture_output=True)
        with running_servers(work, env) as url:
            yield url, env, inbox


def say(url, sender, text):
    answer = requests.post(f"{url}/webhooks/rest/webhook",
                           json={"sender": sender, "message": text}, timeout=60)
    answer.raise_for_status()
    return "\n".join(m.get("text", "") for m in answer.json())


def test_a_ticket_from_the_bot_is_acknowledged_by_mail_and_answered_from_the_console(desk):
    url, env, inbox = desk
    sender = f"mail-{uuid.uuid4().hex[:10]}"
    assert "adresse e-mail" in say(url, sender, "je veux parler a un conseiller")
    say(url, sender, "lea.martin@exemple.fr")
    done = say(url, sender, "mon retrait de 200 euros n'est toujours pas arrive sur mon compte")
    assert "Votre ticket T-" in done
    reference = done.split("Votre ticket ")[1].split()[0]

    [ack] = inbox.wait_for(1, timeout=30)
    assert ack["To"] == "lea.martin@exemple.fr"
    assert reference in ack["Subject"]
    body = body_of(ack)
    assert "Nous avons bien reçu votre demande" in body and reference in body
    assert "retrait de 200 euros" in body  # the player's own words, unmasked in their mail
    assert "répondra par e-mail" in body

    listed = {t["reference"]: t for t in json.loads(subprocess.run(
        [str(BIN / "support-desk"), "tickets", "--json"], env=env, capture_output=True,
        text=True, check=True).stdout)}
    assert listed[reference]["category"] == "payments"  # a late withdrawal, asked as "a human"

    token = requests.post(f"{url}/casino/agent/login", json={"name": AGENT, "password": PASSWORD},
                          timeout=10).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    ticket = requests.get(f"{url}/casino/agent/tickets/{reference}", headers=headers,
                          timeout=10).json()
    assert ticket["email"] == "lea.martin@exemple.fr"
    assert "(Europe/Paris)" in ticket["due_local"]
    assert [m["kind"] for m in ticket["mails"]] == ["ticket_ack"]
    titles = [line["text"] for line in ticket["transcript"] if line["sender"] == "user"]
    assert titles[0] == "je veux parler a un conseiller"

    answer = requests.post(f"{url}/casino/agent/tickets/{reference}/reply", headers=headers,
                           json={"text": "Bonjour Léa, votre virement est parti ce matin."},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["event"]["kind"] == "reply"
    ack, reply = inbox.wait_for(2, timeout=30)
    assert reply["To"] == "lea.martin@exemple.fr" and reference in reply["Subject"]
    assert "votre virement est parti ce matin" in body_of(reply)
    assert reply["In-Reply-To"].strip() == ack["Message-ID"].strip()

    bad = requests.post(f"{url}/casino/agent/tickets/{reference}/status", headers=headers,
                        json={"status": "done"}, timeout=10)
    assert bad.status_code == 400
    solved = requests.post(f"{url}/casino/agent/tickets/{reference}/status", headers=headers,
                           json={"status": "solved"}, timeout=10).json()
    assert solved["status"] == "solved"
    assert [e["kind"] for e in solved["events"]] == ["reply", "status"]
    assert requests.get(f"{url}/casino/agent/tickets/{reference}", timeout=10).status_code == 401

    drained = subprocess.run([str(BIN / "support-desk"), "send-mail", "--json"], env=env,
                             capture_output=True, text=True)
    assert drained.returncode == 0 and json.loads(drained.stdout)["queued"] == 0
