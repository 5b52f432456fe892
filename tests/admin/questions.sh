#!/bin/sh
# secinfo-admin question add|list|retire and method add USER questions (SPEC §6, §7): the
# question rules, --answers-file and answers piped on stdin, the answer rules (too short,
# containing the question), retired questions, one questions method per user, nothing stored
# on a refusal, and answers kept only as Argon2id hashes.
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"


# expect STATUS INPUT -- ARGS...: runs secinfo-admin ARGS with INPUT on stdin and fails unless
# it exits with STATUS; $out gets its stdout and stderr together.
expect() {
	want=$1
	input=$2
	shift 3
	rc=0
	out=$(printf '%s' "$input" | admin "$@" 2>&1) || rc=$?
	[ "$rc" = "$want" ] || fail "exit $rc (expected $want) from: secinfo-admin $*
$out"
}
says() {
	case $out in *"$1"*) ;; *) fail "expected '$1' in the output:
$out" ;; esac
}
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
sql() { sqlite3 "$DB" "$1"; }
# check PYTHON: asserts on d = the JSON on stdin.
check() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
try:
    exec(sys.argv[1])
except AssertionError as e:
    sys.exit("assertion failed: %s\nin: %s\non: %s" % (e, sys.argv[1].strip(), json.dumps(d)))' "$1" ||
		fail "JSON check failed"
}
# nothing_stored WHY: bob has no user row, and alice's are the only method and answers.
nothing_stored() {
	eq "$(sql "SELECT count(*) FROM users WHERE name = 'bob'")" 0 "$1: user bob"
	eq "$(sql "SELECT count(*) FROM methods WHERE kind = 'questions'")" 1 "$1: methods"
	eq "$(sql 'SELECT count(*) FROM answers')" 3 "$1: answers"
}

write_conf <<'EOF'
[policy]
methods = app questions
[questions]
register = 3
ask = 2
min_answer_length = 4
EOF
admin init >/dev/null

# --- question add / list / retire ---------------------------------------------------------
admin question list --json | check 'assert d == []'
expect 0 "" -- question list
says "No security questions"

expect 0 "" -- question add "What was the name of your first pet?"
eq "$out" 1 "question add prints only the new id"
Q1=$out
Q2=$(admin question add "In which town were you born?")
Q3=$(admin question add "What was your first car?")
Q4=$(admin question add 'Who was your "favourite" teacher?')
eq "$Q2 $Q3 $Q4" "2 3 4" "ids in order"
expect 1 "" -- question add ""
says "cannot be empty"
expect 1 "" -- question add "   "
expect 1 "" -- question add "$(printf 'two\nlines')"
says "control characters"
expect 1 "" -- question add "$(printf 'a\ttab')"
expect 1 "" -- question add "what was your FIRST car?"
says "already asks this"
expect 2 "" -- question add
expect 2 "" -- question retire abc
expect 1 "" -- question retire 99
says "no question with id 99"
expect 2 "" -- question frobnicate
eq "$(sql 'SELECT count(*) FROM questions')" 4 "refused questions are not stored"
pass "question add refuses empty, control characters and duplicates; prints the id"

admin question list --json | check '
assert isinstance(d, list) and len(d) == 4
for q in d:
    assert sorted(q) == ["active", "id", "text"], q
    assert type(q["id"]) is int and q["active"] is True
assert d[0]["text"] == "What was the name of your first pet?"
assert d[3]["text"] == "Who was your \"favourite\" teacher?"
'
expect 0 "" -- question retire "$Q4"
says "no longer asked"
admin question list --json | check '
assert [q["active"] for q in d] == [True, True, True, False]
assert d[3]["id"] == 4
'
expect 0 "" -- question list
says "retired"
pass "question list --json: {id, text, active}; retire sets active false"

# --- method add questions: --answers-file ---------------------------------------------------
ANS="$T/answers"
printf '%s\tRex the  DOG\n%s\tDelft-zuid-zebra\n%s\t  Beetle 1303 \n' "$Q1" "$Q2" "$Q3" > "$ANS"
expect 0 "" -- method add alice questions --answers-file "$ANS"
says "Added the security questions for alice"
says "never the default"
eq "$(sql "SELECT count(*) FROM methods WHERE kind = 'questions'")" 1 "one questions method"
eq "$(sql 'SELECT group_concat(question_id) FROM (SELECT question_id FROM answers ORDER BY 1)')" \
	"1,2,3" "answers to questions 1, 2, 3"
eq "$(sql "SELECT count(*) FROM answers WHERE hash LIKE '\$argon2id\$%'")" 3 \
	"every answer is an Argon2id hash"
eq "$(sql "SELECT default_method IS NULL FROM users WHERE name = 'alice'")" 1 \
	"questions never become the default"
admin user show alice --json | check '
m = d["methods"][0]
assert m["kind"] == "questions" and m["detail"] == "" and m["usable_for"] == ["reset"], m
'
expect 1 "" -- method default alice questions
expect 1 "" -- method add alice questions --answers-file "$ANS"
says "already has security questions"
eq "$(sql 'SELECT count(*) FROM answers')" 3 "a second questions method is refused"
pass "method add questions --answers-file stores Argon2id hashes; one per user"

# --- refusals leave nothing behind ------------------------------------------------------------
try_file() {
	printf "$1" > "$ANS"
	expect 1 "" -- method add bob questions --answers-file "$ANS"
	nothing_stored "$2"
}
try_file "$Q1\trex\n$Q2\tdelft\n$Q3\tbeetle\n" "too short"
says "too short"
try_file "$Q1\tWhat was the NAME of your first pet? rex\n$Q2\tdelft\n$Q3\tbeetle\n" "contains"
says "cannot contain the question"
try_file "$Q1\tfluffy\n$Q2\tdelft\n" "too few"
says "answers 2 questions"
try_file "$Q1\tfluffy\n$Q2\tdelft\n$Q3\tbeetle\n$Q4\tmr smith\n" "retired"
says "retired"
try_file "$Q1\tfluffy\n$Q1\tdelft\n$Q3\tbeetle\n" "twice"
says "answered twice"
try_file "$Q1 fluffy\n$Q2\tdelft\n$Q3\tbeetle\n" "no tab"
says "QUESTION_ID<TAB>ANSWER"
# An error about a line never echoes what may be an answer (columns swapped, stray tabs).
for line in "fluffy-topsecret\t$Q1" "fluffy-topsecret\tmore" " fluffy-topsecret\t" "$Q1 fluffy-topsecret\tx" \
	"0\tfluffy-topsecret" "99\tfluffy-topsecret"; do
	try_file "$line\n$Q2\tdelft\n$Q3\tbeetle\n" "swapped columns"
	says "answers:1:"
	expect_not_in "$out" "topsecret"
done
ln -s "$ANS" "$T/answers.link"
expect 1 "" -- method add bob questions --answers-file "$T/answers.link"
says "symbolic link"
mkfifo "$T/answers.fifo"
expect 1 "" -- method add bob questions --answers-file "$T/answers.fifo"
says "not a regular file"
expect 1 "" -- method add bob questions --answers-file "$T/missing"
expect 2 "" -- method add bob questions --no-verify
expect 2 "" -- method add bob app --answers-file "$ANS"
nothing_stored "bad files"
eq "$(sql "SELECT count(*) FROM users WHERE name = 'bob'")" 0 "no user row for bob"
pass "too short, containing the question, wrong counts, retired ids, symlinks: nothing stored"

# --- interactively, answers piped on stdin ----------------------------------------------------
expect 1 "$(printf 'fluffy\nab\n')" -- method add carol questions
says "too short"
nothing_stored_carol=$(sql "SELECT count(*) FROM users WHERE name = 'carol'")
eq "$nothing_stored_carol" 0 "a refused interactive answer stores nothing"
expect 1 "fluffy" -- method add carol questions
says "no answer"
eq "$(sql "SELECT count(*) FROM users WHERE name = 'carol'")" 0 "end of input stores nothing"

expect 0 "$(printf 'Fluffy  Bunny\nUtrecht\nMini Cooper\n')" -- method add carol questions
says "Added the security questions for carol"
says "(1/3) What was the name of your first pet?"
says "(3/3) What was your first car?"
case $out in *"favourite"*) fail "a retired question was offered: $out" ;; esac
eq "$(sql "SELECT group_concat(question_id) FROM (SELECT a.question_id FROM answers a
	JOIN methods m ON m.id = a.method_id JOIN users u ON u.id = m.user_id
	WHERE u.name = 'carol' ORDER BY 1)")" "1,2,3" "carol answered the active questions"
pass "method add questions asks the active questions on stdin; retired ones are not offered"

# Fewer active questions than [questions] register: refused before anything is asked.
admin question retire "$Q3" >/dev/null
expect 1 "$(printf 'a\nb\nc\n')" -- method add dave questions
says "there are 2 active security questions"
says "register asks for 3"
eq "$(sql "SELECT count(*) FROM users WHERE name = 'dave'")" 0 "nothing stored for dave"
pass "fewer active questions than register: refused with a clear message"

# Delete and add again is how a user changes their answers.
Q5=$(admin question add "What is your favourite colour?")
expect 0 "" -- method delete alice questions --yes
printf '%s\tRexie\n%s\tDelft\n%s\tturquoise\n' "$Q1" "$Q2" "$Q5" > "$ANS"
expect 0 "" -- method add alice questions --answers-file "$ANS"
eq "$(sql 'SELECT count(*) FROM answers a JOIN methods m ON m.id = a.method_id
	JOIN users u ON u.id = m.user_id WHERE u.name = '"'alice'")" 3 "alice has three answers again"
pass "delete and add again replaces the answers"

# --- no answer text anywhere in the database --------------------------------------------------
# The check can fail: question text is found in the same files the same way.
found=0
for f in "$DB" "$DB-wal"; do
	[ -f "$f" ] && grep -a -q -F "favourite colour" "$f" && found=1
done
eq "$found" 1 "question text is visible to grep in the database files"
for word in "rex the dog" "Rex the" "delft-zuid-zebra" "zebra" "beetle 1303" "fluffy bunny" \
	"Fluffy" "utrecht" "mini cooper" "turquoise"; do
	for f in "$DB" "$DB-wal" "$DB-shm"; do
		[ -f "$f" ] || continue
		if grep -a -i -q -F "$word" "$f"; then
			fail "answer text '$word' found in $f"
		fi
	done
done
admin audit --json | check '
assert any(e["event"] == "method-add" and e["method"] == "questions" for e in d)
assert any(e["event"] == "question-add" for e in d) and any(e["event"] == "question-retire" for e in d)
text = json.dumps(d).lower()
assert "rex" not in text and "fluffy" not in text and "turquoise" not in text
'
pass "the database and the audit trail hold no answer text, only \$argon2id\$ hashes"
