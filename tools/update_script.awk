# update_script.awk: writes sql/zkml--0.1.0--0.2.0.sql (make does; the file is not kept in
# the repository) from three files, in this order: the update's own sections 1-3
# (sql/update/0.1.0--0.2.0.head.sql), the 0.2.0 install script, and the update's end
# (sql/update/0.1.0--0.2.0.tail.sql).  Of the install script it takes the text after the
# marker line "(zkml--0.1.0--0.2.0.sql repeats this script from here on ...)", less the
# catalog tables between its two other marker lines, with CREATE OR REPLACE for every
# function, aggregate and view: so the update defines exactly what a fresh install does,
# and the two cannot drift apart.
FNR == 1 { part++ }
part != 2 { print; next }
/^-- \(zkml--0\.1\.0--0\.2\.0\.sql repeats this script from here on/ { copying = 1; seen++; next }
/^-- \(zkml--0\.1\.0--0\.2\.0\.sql: not the catalog tables/ { skipping = 1; seen++ }
/^-- \(zkml--0\.1\.0--0\.2\.0\.sql: the catalog tables end\.\)/ { skipping = 0; seen++; next }
!copying || skipping { next }
/^CREATE (FUNCTION|AGGREGATE|VIEW) / { sub(/^CREATE /, "CREATE OR REPLACE ") }
{ print }
END {
    if (part != 3 || seen != 3 || skipping) {
        print "update_script.awk: the install script lacks its three marker lines" > "/dev/stderr"
        exit 1
    }
}
