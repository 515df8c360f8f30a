#!/usr/bin/perl
# upgrade_0.1.0.pl: turn a plain-format pg_dump of a database with zkml 0.1.0 into one
# that restores with zkml 0.2.0.  Reads the dump (files named, or standard input) and
# writes the new one to standard output; what it changed goes to standard error.
#
#     pg_dump -d lender -f lender-0.1.0.sql
#     tools/upgrade_0.1.0.pl lender-0.1.0.sql > lender-0.2.0.sql
#     (a custom-format dump: pg_restore -f - lender.dump | tools/upgrade_0.1.0.pl > ...)
#
# 0.1.0 put its functions and the view zkml_models in the schema of CREATE EXTENSION
# (public unless WITH SCHEMA said otherwise); 0.2.0 puts them in schema zkml.  The
# catalog tables zkml.models and zkml.model_secrets are the same in both, and the dump
# holds their rows.  pg_dump writes every reference to the extension's objects with its
# schema (public.zkml_score(...)), so as it is the dump cannot restore a view, a column
# default or generated column, a CHECK constraint, an index, a BEGIN ATOMIC function or a
# GRANT that names one: and a table whose CREATE TABLE fails loses its rows.  This script
#   - makes "CREATE EXTENSION IF NOT EXISTS zkml WITH SCHEMA public" (or the schema 0.1.0
#     was created in) "CREATE EXTENSION IF NOT EXISTS zkml", which installs 0.2.0 into
#     schema zkml, or is skipped if the database has the extension already;
#   - writes zkml.NAME for every public.NAME (that schema) where NAME is one of 0.1.0's
#     functions or its view, in every line outside the rows of COPY blocks (table data is
#     never changed): statements, and string literals or function bodies that name them
#     so; `diff` of the two files shows every change;
#   - checks that every model name in the rows of zkml.models fits 0.2.0's rule (1 to 63
#     bytes): a longer name would make the restore fail;
#   - checks that no object of the dump (the user's: the extension's own are not in it)
#     in that schema has one of those names, as an overload zkml_score(integer) would:
#     it would move into schema zkml with them.
# Function bodies given as strings (LANGUAGE plpgsql, or sql without BEGIN ATOMIC) that
# call zkml_score and the others without a schema are left as they are: they find the
# functions through search_path, which must then include zkml.
#
# Exit status: 0 when the dump was rewritten; 1 when the input is not a complete
# plain-format dump of a database with zkml 0.1.0, or a model name is too long or an
# object of the user's is named like zkml's (they are listed; the output is written all
# the same); 2 for an unreadable file.
use strict;
use warnings;

# Everything 0.1.0 created in the extension's schema (the rest was in schema zkml
# already, as in 0.2.0).
my @objects = qw(zkml_version zkml_self_test zkml_register_model zkml_import_model_public
    zkml_drop_model zkml_model_public zkml_models zkml_score zkml_prove zkml_prove_batch
    zkml_verify zkml_verify_detail zkml_receipt_info zkml_receipt_rows);
my $names = join('|', @objects);

# A field of COPY's text format, unescaped.
sub copy_field {
    my ($s) = @_;
    my %esc = (b => "\b", f => "\f", n => "\n", r => "\r", t => "\t", v => "\013");
    $s =~ s/\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))/
        defined $1 ? chr(oct $1) : defined $2 ? chr(hex $2) : ($esc{$3} \/\/ $3)/ge;
    return $s;
}

for my $f (@ARGV) {
    if (!-f $f || !-r $f) {
        print STDERR "$0: cannot read $f\n";
        exit 2;
    }
}
binmode(STDIN);
binmode(STDOUT);
my ($schema, $copy, $name_col, $section, $complete);
my (@sections, %names, @long, @clash);
my $rewritten = 0;
my $status = 0;
while (defined(my $line = <>)) {
    if ($copy) {
        if ($line eq "\\.\n") {
            $copy = 0;
        } elsif (defined $name_col) {
            chomp(my $row = $line);
            my $name = copy_field((split /\t/, $row, -1)[$name_col]);
            push @long, $name if length($name) > 63;
        }
        print $line;
        next;
    }
    if ($line =~ /^COPY (\S+) \((.*)\) FROM stdin;$/) {
        my ($table, $columns) = ($1, $2);
        $copy = 1;
        $name_col = undef;
        if ($table eq 'zkml.models') {
            my @cols = split /, /, $columns;
            ($name_col) = grep { $cols[$_] eq 'name' } 0 .. $#cols;
        }
        print $line;
        next;
    }
    if ($line =~ /^COPY .* FROM stdin;$/) {
        ($copy, $name_col) = (1, undef);
        print $line;
        next;
    }
    $complete = 1 if $line eq "-- PostgreSQL database dump complete\n";
    if ($line =~ /^-- Name: (.*?); Type: (.*?); Schema: (.*?); Owner:/) {
        my ($name, $type, $in) = ($1, $2, $3);
        $section = "$type $name" . ($in eq '-' ? '' : " (schema $in)");
        push @clash, $section
            if defined $schema && $in eq $schema && $type !~ /^(ACL|COMMENT|SECURITY LABEL)$/
            && $name =~ /^(?:$names)(?:\(|$)/;
    }
    if ($line =~ /^CREATE EXTENSION IF NOT EXISTS zkml WITH SCHEMA (.+);$/) {
        $schema = $1;
        if ($schema eq 'zkml') {
            print STDERR "$0: zkml is in schema zkml in this dump: it is a dump of zkml 0.2.0 or later, "
                . "restore it as it is\n";
            exit 1;
        }
        print "CREATE EXTENSION IF NOT EXISTS zkml;\n";
        print STDERR "CREATE EXTENSION zkml: installs 0.2.0 into schema zkml "
            . "(was WITH SCHEMA $schema)\n";
        next;
    }
    if (defined $schema) {
        my $n = ($line =~ s/(?<![\w\$"])\Q$schema\E\.($names)(?![\w\$])/zkml.$1/g);
        if ($n) {
            $rewritten += $n;
            my $what = $section // "line $.";
            push @sections, $what unless $names{$what};
            $names{$what}{$_} = 1 for $line =~ /(?<![\w\$"])zkml\.($names)(?![\w\$])/g;
        }
    }
    print $line;
}
if (!defined $schema) {
    print STDERR "$0: no \"CREATE EXTENSION IF NOT EXISTS zkml WITH SCHEMA ...\" line: "
        . "not a plain-format pg_dump of a database with zkml 0.1.0\n";
    exit 1;
}
print STDERR "$_: " . join(', ', map { "zkml.$_" } sort keys %{$names{$_}}) . "\n" for @sections;
if ($copy || !$complete) {
    print STDERR "$0: the dump ends before \"PostgreSQL database dump complete\": it is truncated\n";
    exit 1;
}
if (@long) {
    print STDERR "$0: zkml 0.2.0 takes model names of 1 to 63 bytes; rename these in the 0.1.0 "
        . "database (as a superuser: UPDATE zkml.models SET name = ... WHERE name = ...), "
        . "then dump it again:\n";
    print STDERR "  $_ (" . length($_) . " bytes)\n" for @long;
    $status = 1;
}
if (@clash) {
    print STDERR "$0: these objects of the dump have the name of one of zkml's functions or its "
        . "view, and would move into schema zkml with them; rename them in the 0.1.0 database, "
        . "then dump it again:\n";
    print STDERR "  $_\n" for @clash;
    $status = 1;
}
printf STDERR "%d reference%s to zkml's functions and view now name schema zkml\n",
    $rewritten, $rewritten == 1 ? '' : 's';
exit $status;
