"""The whole-table search: which reading of every row satisfies the template's arithmetic.

Each row has its readings (digits.readings); the rules are linear equalities over cells of any
rows (`sum(lhs) = sum(rhs)`; table 3's 总计 column = its six applicant columns per row, each
column's 一 + 二 = （七）总计 + 四 and （七）总计 = Σ outcome rows; table 4's 总计 = 维持 + 纠正 + 其他
+ 尚未审结 per proceeding) plus narrative figures as weak rules. The search assigns one reading
per row, depth first, and keeps every assignment of least cost, where cost = number of template
rules broken × 1000 + number of narrative figures contradicted. So one row's certainty settles
another's, a report whose own totals do not add up still gets the reading that breaks the fewest
rules (and the broken ones are named), and a narrative figure only ever chooses between readings
the template rules cannot tell apart.

A cell is decided when every least-cost assignment gives it the same value; otherwise it stays
undecided (null, with a warning naming the candidates).

Bounded: rows with one reading are fixed first, the rest are tried in order of fewest readings
(each row's readings by their own rules' cost first); a branch whose cost so far exceeds the best
found is cut, and a sum whose one side is complete and whose other side already exceeds it
(counts are never negative) is counted broken before its last row is chosen. The search visits at
most `NODES` assignments; past that it stops and only the cells all of a row's own best readings
agree on are decided (the warning says the search was cut).
"""

from __future__ import annotations

from dataclasses import dataclass, field

NODES = 20_000
TEMPLATE_WEIGHT = 1000


@dataclass
class Rule:
    id: str  # templates.yaml rule id, or "narrative:<fact>"
    where: str  # for warnings: "natural_person", "review" …
    lhs: list[tuple[str, int]]
    rhs: list[tuple[str, int]] = field(default_factory=list)
    const: int = 0  # sum(lhs) = sum(rhs) + const
    weight: int = TEMPLATE_WEIGHT

    @property
    def rows(self) -> set[str]:
        return {r for r, _ in self.lhs} | {r for r, _ in self.rhs}


@dataclass
class Result:
    values: dict[str, list[set]]  # row → per column, the set of values over best assignments
    broken: set[str]  # "rule_id(where)" broken in every best assignment
    cut: bool  # the node budget ran out
    best_rows: dict[str, list[int]]  # row → indexes of its readings used by a best assignment


def state(rule: Rule, assigned: dict[str, tuple]) -> bool | None:
    """True holds, False broken, None not known yet (a null term: never known)."""
    def side(cells):
        total = 0
        done = True
        for r, c in cells:
            vals = assigned.get(r)
            if vals is None:
                done = False
                continue
            v = vals[c]
            if v is None:
                return None, None  # a printed null mark: the rule cannot be evaluated
            total += v
        return total, done

    ls, ldone = side(rule.lhs)
    if ls is None and ldone is None:
        return None
    rs, rdone = side(rule.rhs)
    if rs is None and rdone is None:
        return None
    rs += rule.const
    if ldone and rdone:
        return ls == rs
    if rule.weight == TEMPLATE_WEIGHT:  # counts are never negative
        if ldone and rs > ls:
            return False
        if rdone and ls > rs:
            return False
    return None


def solve(domains: dict[str, list[tuple]], rules: list[Rule], nodes: int = NODES) -> Result:
    order = sorted(domains, key=lambda r: len(domains[r]))
    rules_of: dict[str, list[int]] = {r: [] for r in domains}
    for i, rule in enumerate(rules):
        for r in rule.rows:
            if r in rules_of:
                rules_of[r].append(i)
    # each row's readings sorted by the cost of the rules on that row alone
    own_cost: dict[str, list[tuple[int, int]]] = {}
    for r in order:
        own = [rules[i] for i in rules_of[r] if rules[i].rows == {r}]
        costs = []
        for k, vals in enumerate(domains[r]):
            a = {r: vals}
            costs.append((sum(x.weight for x in own if state(x, a) is False), k))
        own_cost[r] = sorted(costs)

    # Incremental sums: per rule, each side's sum over assigned cells, how many cells are still
    # unassigned, and how many printed null marks it met (a null term: never evaluable).
    contrib: dict[str, list[tuple[int, int, int]]] = {r: [] for r in domains}
    left = [[0, 0] for _ in rules]
    for i, rule in enumerate(rules):
        for side, cells in ((0, rule.lhs), (1, rule.rhs)):
            for r, c in cells:
                left[i][side] += 1
                if r in contrib:
                    contrib[r].append((i, side, c))
    sums = [[0, rule.const] for rule in rules]
    nulls = [0] * len(rules)
    hard = [rule.weight == TEMPLATE_WEIGHT for rule in rules]

    def status(i: int) -> bool | None:
        if nulls[i]:
            return None
        (ls, rs), (lleft, rleft) = sums[i], left[i]
        if not lleft and not rleft:
            return ls == rs
        if hard[i]:  # counts are never negative
            if not lleft and rs > ls:
                return False
            if not rleft and ls > rs:
                return False
        return None

    best = [None]  # best cost
    best_sets: list[dict[str, int]] = []
    decided = [False] * len(rules)
    assigned: dict[str, tuple] = {}
    choice: dict[str, int] = {}
    visited = [0]
    cut = [False]

    def walk(depth: int, cost: int) -> None:
        if cut[0]:
            return
        if best[0] is not None and cost > best[0]:
            return
        if depth == len(order):
            if best[0] is None or cost < best[0]:
                best[0] = cost
                best_sets.clear()
            if len(best_sets) < 5000:
                best_sets.append(dict(choice))
            return
        r = order[depth]
        for own_c, k in own_cost[r]:
            if best[0] is not None and cost + own_c > best[0]:
                break  # readings are sorted by their own rules' cost: none left can do better
            visited[0] += 1
            if visited[0] > nodes:
                cut[0] = True
                return
            vals = domains[r][k]
            assigned[r] = vals
            choice[r] = k
            for i, side, c in contrib[r]:
                v = vals[c]
                left[i][side] -= 1
                if v is None:
                    nulls[i] += 1
                else:
                    sums[i][side] += v
            added = 0
            newly: list[int] = []
            for i in rules_of[r]:
                if decided[i]:
                    continue
                st = status(i)
                if st is not None:
                    decided[i] = True
                    newly.append(i)
                    if st is False:
                        added += rules[i].weight
            walk(depth + 1, cost + added)
            for i in newly:
                decided[i] = False
            for i, side, c in contrib[r]:
                v = vals[c]
                left[i][side] += 1
                if v is None:
                    nulls[i] -= 1
                else:
                    sums[i][side] -= v
            del assigned[r]
            del choice[r]
            if cut[0]:
                return

    walk(0, 0)
    values: dict[str, list[set]] = {}
    best_rows: dict[str, list[int]] = {}
    if cut[0] or not best_sets:
        # per row: the readings of least own cost
        for r in order:
            lo = own_cost[r][0][0] if own_cost[r] else 0
            ks = [k for c, k in own_cost[r] if c == lo]
            best_rows[r] = ks
        broken: set[str] = set()
    else:
        for r in order:
            best_rows[r] = sorted({s[r] for s in best_sets})
        broken = None  # type: ignore[assignment]
        for s in best_sets:
            a = {r: domains[r][k] for r, k in s.items()}
            b = {f"{x.id}({x.where})" for x in rules if x.weight == TEMPLATE_WEIGHT and state(x, a) is False}
            broken = b if broken is None else (broken & b)
        broken = broken or set()
    for r in order:
        n = len(domains[r][0]) if domains[r] else 0
        sets = [set() for _ in range(n)]
        for k in best_rows[r]:
            for j, v in enumerate(domains[r][k]):
                sets[j].add(v)
        values[r] = sets
    return Result(values, broken, cut[0], best_rows)
