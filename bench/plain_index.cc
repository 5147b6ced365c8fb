// plain_index.cc -- the baseline for `make bench-index`: the plainest
// Xapian indexer one would write from the documentation.  One
// WritableDatabase with default flags, a TermGenerator with its defaults
// (English stemmer, STEM_SOME), headline and body indexed as free text, the
// id as a unique term, the headline as document data; no stored text, no
// threads.  Reads the same inputs as lede-index: *.jsonl[.gz] files and
// directories of *.txt.
//
// usage: plain_index DBPATH SOURCE...
#include <xapian.h>
#include <jansson.h>
#include <zlib.h>

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

static Xapian::WritableDatabase db;
static Xapian::TermGenerator tg;
static unsigned long articles;

static void add(const std::string &id, const std::string &title,
                const std::string &body) {
    Xapian::Document doc;
    tg.set_document(doc);
    tg.index_text(title);
    tg.increase_termpos();
    tg.index_text(body);
    doc.set_data(title);
    doc.add_boolean_term("Q" + id.substr(0, 200));
    db.replace_document("Q" + id.substr(0, 200), doc);
    articles++;
}

static void index_jsonl(const char *path) {
    gzFile gz = gzopen(path, "rb");
    if (!gz) return;
    std::string line;
    char buf[65536];
    while (gzgets(gz, buf, sizeof buf)) {
        line += buf;
        if (line.empty() || line.back() != '\n') continue;
        json_t *o = json_loads(line.c_str(), 0, nullptr);
        line.clear();
        if (!o) continue;
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *t = json_string_value(json_object_get(o, "title"));
        const char *x = json_string_value(json_object_get(o, "text"));
        if (id) add(id, t ? t : "", x ? x : "");
        json_decref(o);
    }
    gzclose(gz);
}

static void index_txt(const std::string &path, const std::string &id) {
    FILE *f = fopen(path.c_str(), "rb");
    if (!f) return;
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    fclose(f);
    size_t nl = text.find('\n');
    add(id, text.substr(0, nl), nl == std::string::npos ? "" : text.substr(nl + 1));
}

static void walk(const std::string &dir, const std::string &rel) {
    DIR *d = opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (struct dirent *e = readdir(d))
        if (e->d_name[0] != '.') names.push_back(e->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string &name : names) {
        std::string p = dir + "/" + name, r = rel.empty() ? name : rel + "/" + name;
        struct stat st;
        if (stat(p.c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) walk(p, r);
        else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".txt") == 0)
            index_txt(p, r);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: plain_index DBPATH SOURCE...\n");
        return 2;
    }
    try {
        db = Xapian::WritableDatabase(argv[1], Xapian::DB_CREATE_OR_OVERWRITE);
        tg.set_stemmer(Xapian::Stem("english"));
        for (int i = 2; i < argc; i++) {
            struct stat st;
            if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) walk(argv[i], "");
            else index_jsonl(argv[i]);
        }
        db.commit();
    } catch (const Xapian::Error &e) {
        fprintf(stderr, "plain_index: %s\n", e.get_description().c_str());
        return 1;
    }
    printf("%lu articles\n", articles);
    return 0;
}
