"""The user guide that the walkthrough writes: the seed article's steps, each with its screenshots.

`Guide.shot()` files each screenshot under the step being walked through; `Guide.build()` writes
`index.md` and `images/` into a folder; `install()` replaces docs/guide with it in one rename, so a
reader never sees half a guide. The Markdown holds no date nor identifier: two runs of the same
product give the same text (only the images' bytes differ), which `tests/guide` checks.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: tuple[str, ...]


# The steps of the seed article (/work/shared/seed: « téléconsultation avec un patient autonome »),
# in its order, in its words where they still fit the product.
STEPS: tuple[Step, ...] = (
    Step(
        "connexion",
        "Avant de commencer : connectez-vous",
        (
            "Ouvrez Teleconsult et connectez-vous avec votre adresse e-mail et votre mot de passe. "
            "La fenêtre principale montre vos conversations à gauche et, en bas, le bouton **+** "
            "(« Nouvelle action ») et le bandeau des demandes de mise en relation.",
            "👉 Il faut la formule PRO+ pour inviter des patients autonomes ou être trouvé par eux "
            "dans l'annuaire.",
        ),
    ),
    Step(
        "rendez-vous",
        "1) Le patient prend rendez-vous comme pour une consultation en présentiel",
        (
            "Comme d'habitude, il contacte votre secrétariat ou passe par une plateforme de prise de "
            "rendez-vous en ligne.",
            "👉 Pensez à lui demander son adresse e-mail et/ou son numéro de téléphone portable si vous "
            "souhaitez lui envoyer une invitation.",
        ),
    ),
    Step(
        "recherche",
        "2) Vous recherchez le nom du patient dans Teleconsult",
        (
            "Pour savoir si vous avez déjà une conversation avec le patient, tapez son nom dans la "
            "barre de recherche en haut de la liste des conversations (Ctrl+F). La recherche ignore "
            "les accents et les majuscules.",
            "👉 Si une conversation à son nom apparaît, passez directement à l'étape 5.",
            "👉 S'il n'y a pas de résultat, envoyez-lui une invitation (étape 3) ou demandez-lui de "
            "s'inscrire et de vous envoyer une demande de mise en relation (étape 4).",
        ),
    ),
    Step(
        "invitation",
        "3) Envoyez une invitation au patient…",
        (
            "Cliquez sur le bouton **+** en bas à droite de la fenêtre (ou Ctrl+N), puis choisissez "
            "« Inviter un patient autonome ». Renseignez son prénom, son nom, son adresse e-mail et/ou "
            "son téléphone portable, puis « Envoyer l'invitation ».",
            "- Avec une adresse e-mail, l'invitation part par e-mail ;\n"
            "- avec seulement un numéro de portable, elle part par SMS.",
            "L'invitation est valable 15 jours. Le patient ouvre le lien reçu sur son téléphone, crée "
            "son compte puis accepte l'invitation : une conversation à son nom apparaît dans votre "
            "liste et l'invitation passe au statut « Acceptée » dans la liste des invitations "
            "(bouton « Invitations » en haut).",
            "👉 Envoyez l'invitation en avance : le patient sera prêt pour la vidéo à l'heure du "
            "rendez-vous.",
        ),
    ),
    Step(
        "demande",
        "4) …ou demandez-lui de s'inscrire et de vous envoyer une demande de mise en relation",
        (
            "Le patient peut aussi s'inscrire seul sur la page d'inscription, vous trouver dans "
            "l'annuaire et vous envoyer une demande de mise en relation.",
            "Sa demande apparaît aussitôt dans le bandeau en bas de la fenêtre : cliquez sur « Voir », "
            "puis sur « Accepter ». La conversation s'ouvre.",
        ),
    ),
    Step(
        "teleconsultation",
        "5) Vous procédez à la téléconsultation",
        (
            "À l'heure du rendez-vous, recherchez le nom du patient pour faire apparaître sa "
            "conversation et ouvrez-la. Vous pouvez échanger des messages avant l'appel.",
            "Cliquez sur le bouton caméra pour lancer l'appel vidéo. Le patient est prévenu sur sa "
            "page et rejoint l'appel : vous pouvez vous voir et vous parler.",
            "👉 Pour passer en plein écran puis en sortir, utilisez le bouton aux deux petites flèches "
            "en haut à droite de la fenêtre d'appel (ou F11, puis Échap).",
            "👉 Problèmes fréquents : le menu « Aide patient » de la fenêtre d'appel, et le bouton d'aide "
            "de la conversation, collent dans la conversation le lien de la page d'aide qui convient "
            "(« Le patient ne parvient pas à se connecter », « Le patient ne me voit pas », « Je ne "
            "vois pas le patient »).",
        ),
    ),
    Step(
        "finaliser",
        "6) Vous finalisez la consultation",
        (
            "Une fois la vidéo terminée, il vous reste à :",
            "- **transmettre les documents** (ordonnance, arrêt de travail…) : glissez-déposez le PDF "
            "ou la photo dans la conversation ;\n"
            "- **demander le paiement** : bouton **+** → « Demander un paiement ». Le patient voit la "
            "demande sur sa page ; un règlement hors ligne s'enregistre avec « Marquer comme réglé » ;\n"
            "- **préparer la télétransmission** : « Facturer cette téléconsultation » prépare la feuille "
            "de soins en mode SESAM sans Vitale (codes TC ou TCG et majorations pour les médecins ; "
            "TLD, TLS ou TLL pour les infirmiers), à transmettre depuis votre logiciel agréé avec "
            "votre carte CPS ; la note d'honoraires part en PDF dans la conversation.",
        ),
    ),
    Step(
        "suite",
        "Futures téléconsultations",
        (
            "Les prochaines téléconsultations avec ce patient se font de la même manière, à partir de "
            "l'étape 5.",
            "👉 Pour que le patient ne vous écrive pas entre deux consultations, choisissez en haut de "
            "la conversation s'il peut écrire « toujours », « jamais » ou « jusqu'au » une date : une "
            "conversation fermée lui rappelle les numéros d'urgence (15, 112).",
        ),
    ),
)


@dataclass(frozen=True)
class Shot:
    step: str
    name: str
    caption: str
    path: Path


@dataclass
class Guide:
    """Screenshots gathered during the walkthrough, filed under the step being walked through."""

    folder: Path
    notes: list[str] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    step: str = STEPS[0].key

    def at(self, key: str) -> None:
        assert key in {s.key for s in STEPS}, key
        self.step = key

    def image(self, slug: str, caption: str) -> Path:
        """The path to write the next screenshot to; it is filed under the current step."""
        number = len(self.shots) + 1
        name = f"{number:02d}-{slug}.png"
        path = self.folder / name
        self.shots.append(Shot(self.step, name, caption, path))
        return path

    def markdown(self) -> str:
        lines = [
            "# Téléconsultation avec un patient autonome — guide pas à pas",
            "",
            "Ce guide suit, étape par étape, l'article d'aide « Téléconsultation avec un patient "
            "autonome ». Il est **produit par un test** (`tests/guide/test_walkthrough.py`) qui "
            "fait chaque étape dans l'application de bureau (fenêtre réelle, clavier et souris) et, "
            "côté patient, dans Chromium à la taille d'un téléphone (390 × 844), contre un vrai "
            "serveur : les captures sont celles du produit tel qu'il est.",
            "",
        ]
        for note in self.notes:
            lines += [f"> {note}", ""]
        lines += ["## Sommaire", ""]
        lines += [f"- [{s.title}](#{s.key})" for s in STEPS]
        lines.append("")
        for step in STEPS:
            lines += [f'<a id="{step.key}"></a>', "", f"## {step.title}", ""]
            for paragraph in step.text:
                lines += [paragraph, ""]
            for shot in (s for s in self.shots if s.step == step.key):
                lines += [f"![{shot.caption}](images/{shot.name})", "", f"*{shot.caption}*", ""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def build(self, target: Path) -> Path:
        """Write index.md and images/ into `target` (a new folder)."""
        images = target / "images"
        images.mkdir(parents=True)
        for shot in self.shots:
            assert shot.path.is_file(), f"screenshot missing: {shot.name}"
            shutil.copyfile(shot.path, images / shot.name)
        (target / "index.md").write_text(self.markdown(), encoding="utf-8")
        return target


def content(folder: Path) -> tuple[str, list[str]]:
    """What the guide says, modulo image bytes: its Markdown and its image names."""
    index = folder / "index.md"
    text = index.read_text(encoding="utf-8") if index.is_file() else ""
    images = folder / "images"
    names = sorted(p.name for p in images.iterdir()) if images.is_dir() else []
    return text, names


def install(guide: Guide, destination: Path = GUIDE) -> None:
    """Build the guide next to `destination`, then swap it in with renames (never half written)."""
    parent = destination.parent
    parent.mkdir(parents=True, exist_ok=True)
    fresh = parent / f".guide-new-{uuid.uuid4().hex[:8]}"
    guide.build(fresh)
    old = parent / f".guide-old-{uuid.uuid4().hex[:8]}"
    if destination.exists():
        destination.rename(old)
    fresh.rename(destination)
    shutil.rmtree(old, ignore_errors=True)
