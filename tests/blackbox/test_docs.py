"""The documents a new user follows: every link between them and every
'(docs/PAGE.md, "Section")' a script or source file points a reader to
leads to a page and a heading that exist, and no example shows a real
secret a reader would copy (group keys and tokens are placeholders; `vnet
--gen-key` makes a real one). Needs no daemon."""

import os
import re
import unittest

import harness

REPO = harness.REPO
DOCS = os.path.join(REPO, "docs")
PAGES = ["README.md"] + ["docs/" + n for n in sorted(os.listdir(DOCS)) if n.endswith(".md")]

# Files whose comments send a reader to a section of docs/.
CITING_DIRS = ["scripts", "src", "packaging", "tests"]
CITING_SUFFIXES = (".sh", ".cmd", ".py", ".hpp", ".cpp", ".h", ".in", ".service", ".conf", ".txt")

# A value that looks like a real 256-bit secret (as `vnet --gen-key` prints one)
# rather than a placeholder such as PASTE-THE-GROUP-KEY.
SECRET_LINE = re.compile(r"^\s*(group_key|token)\s*=\s*([A-Za-z0-9+/_-]{32,}=*)\s*$", re.M)
SECRET_FLAG = re.compile(r"--(group-key|token)[ =]([A-Za-z0-9+/_-]{32,}=*)")


def read(rel):
    with open(os.path.join(REPO, rel), encoding="utf-8") as f:
        return f.read()


def slug(heading):
    """The anchor GitHub (and the man-page renderer's tables of contents) give
    a markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|\[|\]\([^)]*\)", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(rel):
    out, fenced = [], False
    for line in read(rel).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            out.append(line.lstrip("#").strip())
    return out


def comment_text(text):
    """A file's text with comment leaders joined, so a citation that wraps
    onto the next comment line reads as one."""
    return re.sub(r"\n\s*(//|#|rem\b|;)\s*", " ", text)


class DocLinks(unittest.TestCase):
    def test_every_link_between_the_documents_leads_somewhere(self):
        broken = []
        for page in PAGES:
            base = os.path.dirname(page)
            for target in re.findall(r"\]\(([^)\s]+)\)", read(page)):
                if re.match(r"[a-z]+:", target):
                    continue  # an address outside the repository
                path, _, anchor = target.partition("#")
                rel = os.path.normpath(os.path.join(base, path)) if path else page
                if not os.path.exists(os.path.join(REPO, rel)):
                    broken.append(f"{page}: {target}: no file {rel}")
                elif anchor and rel.endswith(".md") and anchor not in {slug(h) for h in headings(rel)}:
                    broken.append(f"{page}: {target}: no heading #{anchor} in {rel}")
        self.assertEqual(broken, [])

    def test_every_section_a_file_cites_exists(self):
        cited, broken = 0, []
        for top in CITING_DIRS:
            for root, _, files in os.walk(os.path.join(REPO, top)):
                if "__pycache__" in root:
                    continue
                for name in files:
                    if not name.endswith(CITING_SUFFIXES):
                        continue
                    rel = os.path.relpath(os.path.join(root, name), REPO)
                    try:
                        text = comment_text(read(rel))
                    except UnicodeDecodeError:
                        continue
                    for page, section in re.findall(r"docs/([a-z_]+\.md), \"([^\"]+)\"", text):
                        cited += 1
                        doc = "docs/" + page
                        if not os.path.exists(os.path.join(REPO, doc)):
                            broken.append(f"{rel}: no page {doc}")
                            continue
                        wanted = section.lower().rstrip(".")
                        if not any(h.lower().startswith(wanted) for h in headings(doc)):
                            broken.append(f"{rel}: no section \"{section}\" in {doc}")
        self.assertGreater(cited, 5, "the scan found no citations: its pattern no longer matches")
        self.assertEqual(broken, [])

    def test_the_boot_scripts_point_to_a_section_that_exists(self):
        # scripts/vnet.sh once sent readers to a section of the old manual
        # that the README does not have.
        for script in ("scripts/vnet.sh", "scripts/vnet.cmd"):
            text = read(script)
            self.assertRegex(text, r"docs/operations\.md, \"Starting at boot\"", script)
        self.assertIn("Starting at boot", headings("docs/operations.md"))


class NoRealSecrets(unittest.TestCase):
    def test_examples_show_placeholders_not_keys_a_reader_would_copy(self):
        files = PAGES + ["config.ini.example"] + [
            os.path.join("scripts", n) for n in sorted(os.listdir(os.path.join(REPO, "scripts")))
            if n.endswith((".sh", ".cmd", ".ini"))]
        found = []
        for rel in files:
            text = read(rel)
            found += [f"{rel}: {k} = {v}" for k, v in SECRET_LINE.findall(text)]
            found += [f"{rel}: --{k} {v}" for k, v in SECRET_FLAG.findall(text)]
        self.assertEqual(found, [])

    def test_the_pattern_sees_a_generated_key(self):
        # The check above is only worth something if a real key matches it.
        key = "Jq0x7Yh3pQ9bWk2sLr5tVn8cZf1mXd4gHu6eAo0iKy8"
        self.assertTrue(SECRET_LINE.search(f"group_key = {key}\n"))
        self.assertTrue(SECRET_FLAG.search(f"vnet --group-key {key}"))
        self.assertFalse(SECRET_LINE.search("group_key = PASTE-THE-GROUP-KEY\n"))


if __name__ == "__main__":
    unittest.main()
