"""Follow-back verdicts: should I follow this account back?

    policy = load_policy(config_dir)                    # once; policy.problems says what was wrong in the file
    verdict = judge(profile, policy, now=synced_at)     # follow back / review / skip, a score, the reasons
    rows.sort(key=lambda row: row.verdict.sort_key)     # follow back first (VERDICT_ORDER)

Headless: no Textual here.
"""

from followtui.core.policy.config import POLICY_FILE, load_policy, policy_path, write_default_policy
from followtui.core.policy.engine import Judge, judge
from followtui.core.policy.settings import Action, Policy
from followtui.core.policy.toml_text import render_policy
from followtui.core.policy.verdict import VERDICT_ORDER, Decision, Effect, Reason, Verdict, reason_doc, verdict_doc

__all__ = [
    "POLICY_FILE",
    "VERDICT_ORDER",
    "Action",
    "Decision",
    "Effect",
    "Judge",
    "Policy",
    "Reason",
    "Verdict",
    "judge",
    "load_policy",
    "policy_path",
    "reason_doc",
    "render_policy",
    "verdict_doc",
    "write_default_policy",
]
