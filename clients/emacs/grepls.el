;;; grepls.el --- Live grep through eglot: grepls's commands and eglot fixes  -*- lexical-binding: t -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: matching, tools

;;; Commentary:

;; grepls is a language server that shows every match of a pattern as diagnostics and keeps them
;; current as you type.  This file is its Emacs side, for eglot (Emacs 28.2 with eglot 1.9, and
;; Emacs 30 with its own eglot, are tested):
;;
;; - `grepls-set-pattern' (C-u: a regex) sets the search pattern, previewing it as it is typed:
;;   its matches on screen lit in `grepls-preview', its count after it in the minibuffer, before
;;   RET sets anything (`grepls.previewPattern' tries a pattern without setting it).
;;   `grepls-clear-pattern' clears it.
;; - `grepls-add-pattern' keeps another pattern beside it, `grepls-remove-pattern' drops one,
;;   `grepls-list-patterns' says which are shown.  Kept patterns outlive the session: each
;;   project's are saved in grepls's kept-patterns file, shared with grepls's Vim plugin and
;;   Neovim commands (`grepls-keep-patterns' nil: the session only).
;; - `grepls-next-match' and `grepls-previous-match' move to the nearest match of any pattern,
;;   anywhere in the buffer, and say where it is ("match 3 of 120").
;; - `grepls-replace' replaces every match (C-u: in every open buffer), and grepls's code actions
;;   ask for their replacement.
;;
;; Two advices make eglot fit for live grep in large files: positions of a publish's diagnostics
;; are found walking down the buffer (not each from its start), and Emacs 28's jsonrpc is kept
;; from losing grepls's messages that arrive while a handler writes a large one (or waits for
;; an answer).  `grepls-highlights' (its own file) paints matches instead of publishing them.
;;
;; Use: put this folder on `load-path', `(require 'grepls)', and tell eglot which modes grepls
;; serves (the README's config).  Every command is a `workspace/executeCommand' sent
;; asynchronously to the buffer's grepls server (`grepls--execute').

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'json)
(require 'seq)

(defun grepls--move (column)
  "Move point to LSP COLUMN of its line.
In the units eglot agreed with grepls for this buffer."
  ;; Eglot 1.12 and newer (Emacs 29, 30) set this buffer's mover from the negotiated encoding;
  ;; eglot 1.9 (Emacs 28) has only the older, global one.
  (funcall (if (boundp 'eglot-move-to-linepos-function) eglot-move-to-linepos-function
             (with-no-warnings eglot-move-to-column-function))
           column))

;; A line's matches come in order, and eglot's movers count a column from the line's start each
;; time: on a 200,000-character line with 2,000 matches, 14 s.  Walk on from the last column
;; found on the same line instead, for as long as the buffer is unchanged.
(defvar-local grepls--walked nil
  "(TICK POINT COLUMN): where the last walk to a column stopped, and that column.")

(defun grepls--unit-width ()
  "How many LSP column units a character is, as a function; nil: one each.
The symbol `unknown' for a mover grepls does not know."
  (let ((mover (if (boundp 'eglot-move-to-linepos-function) eglot-move-to-linepos-function
                 (with-no-warnings eglot-move-to-column-function))))
    (pcase mover
      ((or 'eglot-move-to-utf-16-linepos 'eglot-move-to-lsp-abiding-column)
       (lambda (char) (if (> char #xFFFF) 2 1)))
      ('eglot-move-to-utf-8-linepos
       (lambda (char) (cond ((< char #x80) 1) ((< char #x800) 2) ((< char #x10000) 3) (t 4))))
      ((or 'eglot-move-to-utf-32-linepos 'eglot-move-to-current-column) nil)
      (_ 'unknown))))

(defun grepls--move-on (column)
  "Move point, at the start of its line, to LSP COLUMN of the line.
Walk on from the last column reached on this line when it is not past
COLUMN, else from the line's start."
  (let ((width (grepls--unit-width)))
    (if (eq width 'unknown)
        (grepls--move column)
      (let ((eol (line-end-position))
            (tick (buffer-chars-modified-tick))
            (last grepls--walked)
            (at 0))
        (when (and last (eq (nth 0 last) tick) (<= (point) (nth 1 last) eol)
                   (<= (nth 2 last) column))
          (goto-char (nth 1 last))
          (setq at (nth 2 last)))
        (if (null width)
            (forward-char (min (- column at) (- eol (point))))
          (while (and (< at column) (< (point) eol))
            (setq at (+ at (funcall width (char-after))))
            (forward-char)))
        (setq grepls--walked (list tick (point) (if width at column)))))))

(defun grepls--send-changes ()
  "Send the changes eglot holds for this buffer now, if eglot manages it.
Widened: in a narrowed buffer, Emacs 30's change tracking refuses changes
outside the narrowed part."
  (when (eglot-current-server)
    (save-restriction
      (widen)
      (eglot--signal-textDocument/didChange))))

(defun grepls--file ()
  "The file this buffer shows.
An indirect buffer's is its base buffer's, as eglot names it."
  (or buffer-file-name
      (and (buffer-base-buffer) (buffer-file-name (buffer-base-buffer)))))

(defun grepls--window-lines (window)
  "(FIRST LAST): the lines WINDOW shows, FIRST from 0, up to LAST.
Numbered in the whole buffer, as grepls numbers them, narrowed or not.
A window not redisplayed since the buffer was narrowed (on a terminal
frame not on top, say) may still start or end outside the narrowed part:
its start and end are taken inside it, where it will show."
  (let ((start (min (max (window-start window) (point-min)) (point-max)))
        (end (min (max (window-end window t) (point-min)) (point-max))))
    (list (1- (line-number-at-pos start t)) (line-number-at-pos end t))))

(defun grepls--uri (file)
  "The URI eglot gives FILE (eglot 1.16 made its function public)."
  (funcall (if (fboundp 'eglot-path-to-uri) #'eglot-path-to-uri
             (with-no-warnings #'eglot--path-to-uri))
           file))

;; eglot finds each diagnostic's position from the buffer's start, so a publish of 1,000
;; matches in 100,000 lines froze Emacs for ten seconds.  grepls sends them in document
;; order: walk on from the line found last, for as long as the buffer is unchanged.
(defvar-local grepls--last-line nil
  "(TICK LINE POINT): where the line eglot found last starts.
While the buffer is unchanged (its modification TICK).")

(defun grepls--lsp-position-to-point (pos-plist &optional marker)
  "Convert POS-PLIST as `eglot--lsp-position-to-point' does.
Walk on from the line found last.  With MARKER, return a marker."
  (save-excursion
    (save-restriction
      (widen)
      (let* ((line (min most-positive-fixnum (plist-get pos-plist :line)))
             (tick (buffer-chars-modified-tick))
             (last grepls--last-line)
             (from (and last (eq (nth 0 last) tick) (<= (nth 1 last) line) last)))
        (goto-char (if from (nth 2 from) (point-min)))
        (when (and (zerop (forward-line (- line (if from (nth 1 from) 0)))) (bolp))
          (setq grepls--last-line (list tick line (point))))
        (unless (eobp)
          (let ((tab-width 1)
                (column (plist-get pos-plist :character)))
            (grepls--move-on (if (wholenump column) column 0))))
        (if marker (copy-marker (point-marker)) (point))))))

(advice-add 'eglot--lsp-position-to-point :override #'grepls--lsp-position-to-point)

;; An indirect buffer (`C-x 4 c') is a view of its base buffer's file, and eglot names it by that
;; file: a clone of a managed buffer is managed too, and killing it sent didClose for the file
;; the base buffer still visits, which grepls then no longer searched.  The base buffer opened
;; the file and closes it; an indirect buffer closes nothing.
(defun grepls--indirect-close-p ()
  "Non-nil in an indirect buffer of a grepls server: its didClose is not sent."
  (and (buffer-base-buffer)
       (let ((server (eglot-current-server))) (and server (grepls--server-p server)))))

(advice-add 'eglot--signal-textDocument/didClose :before-until #'grepls--indirect-close-p)

;; Emacs 28's jsonrpc runs each message's handler from inside its process filter, midway
;; through cutting the messages out of the output.  A handler that writes a large message (eglot
;; sends a large file's didOpen from inside the handler of the server's first answer) or waits
;; for an answer has Emacs read output meanwhile: the filter runs again inside itself, on its
;; state half updated, and loses messages (grepls then showed nothing for the rest of the
;; session).  For grepls's output the filter only cuts the messages out, their handlers held,
;; and they are handled once it is done, in order.  A filter run inside a handler then starts
;; from a whole state and hands on what came meanwhile, the answer a handler waits for among
;; it.  Other servers' output is left to jsonrpc as it is.
(defvar grepls--jsonrpc-held nil
  "(CONNECTION . MESSAGE) cut from grepls's output, not yet handled, oldest first.")
(defvar grepls--jsonrpc-reading nil "Non-nil while jsonrpc's filter cuts grepls's output.")

(defun grepls--jsonrpc-hold (receive connection message)
  "Hold MESSAGE while jsonrpc's filter cuts grepls's output.
Else RECEIVE it from CONNECTION."
  (if grepls--jsonrpc-reading
      (setq grepls--jsonrpc-held (nconc grepls--jsonrpc-held (list (cons connection message))))
    (funcall receive connection message)))

(defun grepls--jsonrpc-handle-held ()
  "Give jsonrpc the messages held, in order, each to its handler."
  (unwind-protect
      (while grepls--jsonrpc-held
        (let ((next (pop grepls--jsonrpc-held)))
          ;; In a buffer of its own, as jsonrpc's filter gives it.
          (with-temp-buffer (jsonrpc-connection-receive (car next) (cdr next)))))
    ;; A handler may leave by `throw' (eglot's connect does, and a synchronous request's
    ;; answer): the rest from a timer, unless a handler still running takes them first.
    (when grepls--jsonrpc-held
      (run-at-time 0 nil #'grepls--jsonrpc-handle-held))))

(defun grepls--jsonrpc-read-then-handle (filter process output)
  "Have FILTER cut PROCESS's OUTPUT into messages, then handle them.
Output of a server other than grepls goes to FILTER alone."
  (if (not (grepls--process-p process))
      (funcall filter process output)
    (let ((grepls--jsonrpc-reading t))
      (funcall filter process output))
    (grepls--jsonrpc-handle-held)))

(advice-add 'jsonrpc-connection-receive :around #'grepls--jsonrpc-hold)
(advice-add 'jsonrpc--process-filter :around #'grepls--jsonrpc-read-then-handle)

(defun grepls--counted (count one many &optional more)
  "COUNT, then ONE or MANY: \"1 match\", \"2 matches\".
MORE, if non-nil, is put after the count (\"+\": at least that many)."
  (format "%d%s %s" count (or more "") (if (and (= count 1) (not more)) one many)))

(defun grepls--reply-counted (reply)
  "The count of matches a setPattern or addPattern REPLY gives, as said.
\"12 matches\", or \"1001+ matches\" where grepls stopped counting at
maxMatchesPerDocument (the reply is not complete)."
  (grepls--counted (plist-get reply :matches) "match" "matches"
                   (unless (eq (plist-get reply :complete) t) "+")))

(defun grepls--execute (command arguments on-reply)
  "Send `workspace/executeCommand' COMMAND with ARGUMENTS.
ON-REPLY gets the result.
Asynchronous: Emacs never waits for the server (and on Emacs 28 a synchronous
request can leave a diagnostics update that follows the reply unread)."
  (let ((server (eglot-current-server)))
    (unless server
      (user-error "grepls: no language server in this buffer"))
    (jsonrpc-async-request server :workspace/executeCommand
                           (list :command command :arguments (vconcat arguments))
                           :success-fn on-reply
                           :error-fn (lambda (error)
                                       (message "grepls: %s" (plist-get error :message))))))

;; While the pattern is typed, its matches on screen light up (face `grepls-preview') and its
;; count in the buffer shows after it in the minibuffer, before RET sets anything: after each
;; change there, `grepls.previewPattern' tries the text without setting it.  Only the latest
;; answer is drawn; leaving the minibuffer (RET or C-g) takes the preview away.
(defgroup grepls nil "Live grep through eglot." :group 'tools)
(defface grepls-preview '((t :inherit isearch)) "A grepls pattern being typed." :group 'grepls)
(defvar grepls--preview-target nil
  "(BUFFER WINDOW REGEX MINIBUFFER DEFAULT) while a pattern for BUFFER is read.
Else nil.  DEFAULT is what an empty answer takes.")
(defvar grepls--preview-asked 0 "The latest preview question's number.")
(defvar grepls--preview-overlays nil "The preview's overlays: its matches and its count.")

(defun grepls--preview-clear ()
  (mapc #'delete-overlay grepls--preview-overlays)
  (setq grepls--preview-overlays nil))

(defun grepls--span-overlays (from first spans)
  "Overlays over SPANS, flat (LINE START END …) with LINE counted from FIRST.
FROM is where line FIRST starts; START and END are LSP columns."
  (save-excursion
    (cl-loop for (line start end) on (append spans nil) by #'cdddr
             collect (progn (goto-char from)
                            (forward-line (- line first))
                            (let ((bol (point)) beg)
                              (grepls--move-on start)
                              (setq beg (point))
                              (goto-char bol)
                              (grepls--move-on end)
                              (make-overlay beg (point)))))))

(defun grepls--preview-show (asked said &optional first spans)
  "If ASKED is the latest question, show SAID after the pattern, SPANS lit.
SPANS are (LINE START END)…, from line FIRST on."
  (let ((target grepls--preview-target))
    (when (and target (= asked grepls--preview-asked))
      (grepls--preview-clear)
      (with-current-buffer (nth 0 target)
        (save-excursion
          (save-restriction
            (widen)
            (goto-char (point-min))
            (forward-line first)
            (dolist (overlay (grepls--span-overlays (point) first spans))
              (overlay-put overlay 'face 'grepls-preview)
              (overlay-put overlay 'priority 1000)
              (push overlay grepls--preview-overlays)))))
      (with-current-buffer (nth 3 target)
        (let ((overlay (make-overlay (point-max) (point-max) nil t t)))
          (overlay-put overlay 'after-string (propertize (format " [%s]" said) 'face 'shadow))
          (push overlay grepls--preview-overlays))))))

(defun grepls--preview-answered (asked first result)
  (let ((count (plist-get result :count)) (complete (eq (plist-get result :complete) t)))
    (grepls--preview-show
     asked
     (cond ((and complete (= count 0)) "no match")
           (t (grepls--counted count "match" "matches" (unless complete "+"))))
     first (plist-get result :matches))))

(defun grepls--preview-refused (asked error)
  "A pattern grepls refuses (half a regex): what is wrong, nothing lit."
  (grepls--preview-show asked (plist-get error :message)))

(defun grepls--preview-typed (&rest _)
  "Ask grepls to try the minibuffer's text on the lines the window shows."
  (let ((target grepls--preview-target))
    (when (and target (eq (current-buffer) (nth 3 target)))
      (let ((pattern (let ((typed (minibuffer-contents-no-properties)))
                       ;; Nothing typed yet: RET would take the default, shown meanwhile.
                       (if (string-empty-p typed) (or (nth 4 target) "") typed)))
            (asked (setq grepls--preview-asked (1+ grepls--preview-asked)))
            (window (nth 1 target)))
        (if (or (string-empty-p pattern) (not (buffer-live-p (nth 0 target)))
                (not (window-live-p window)))
            (grepls--preview-clear)
          (with-current-buffer (nth 0 target)
            (pcase-let ((server (eglot-current-server))
                        (`(,first ,last) (grepls--window-lines window)))
              (when server
                (grepls--send-changes)  ; the question follows the last change
                (jsonrpc-async-request
                 server :workspace/executeCommand
                 (list :command "grepls.previewPattern"
                       :arguments (vector (grepls--uri (grepls--file))
                                          first last
                                          (list :pattern pattern
                                                :regex (if (nth 2 target) t :json-false))))
                 :success-fn (apply-partially #'grepls--preview-answered asked first)
                 :error-fn (apply-partially #'grepls--preview-refused asked))))))))))

(defun grepls--preview-start ()
  "In the minibuffer, as it opens: preview the text at point, then each change."
  (setf (nth 3 grepls--preview-target) (current-buffer))
  (add-hook 'after-change-functions #'grepls--preview-typed nil t)
  (grepls--preview-typed))

(defun grepls--read-pattern (regex &optional keep)
  "Read a pattern in the minibuffer, previewing it as it is typed.
A regex if REGEX; a pattern to KEEP beside the search pattern if KEEP."
  (minibuffer-with-setup-hook #'grepls--preview-start
    (unwind-protect
        (progn
          ;; The symbol at point is the default (RET on nothing, or M-n, takes it), not
          ;; initial input that what is typed would be appended to.
          (let ((default (thing-at-point 'symbol t)))
            (setq grepls--preview-target
                  (list (current-buffer) (selected-window) regex nil default))
            (read-string (format-prompt (concat "grepls " (if keep "keep " "")
                                                (if regex "regex" "pattern"))
                                        default)
                         nil nil default)))
      (setq grepls--preview-target nil
            grepls--preview-asked (1+ grepls--preview-asked))  ; an answer on its way: not drawn
      (grepls--preview-clear))))

(defun grepls-set-pattern (pattern &optional regex)
  "Show every match of PATTERN; with a prefix argument PATTERN is a regex.
Typed, it is previewed on screen with its count before RET sets it."
  (interactive (list (grepls--read-pattern current-prefix-arg) current-prefix-arg))
  (grepls--execute "grepls.setPattern"
                   (list (if regex (list :pattern pattern :regex t) pattern))
                   (lambda (reply)
                     (message "grepls: %s of %S" (grepls--reply-counted reply)
                              (plist-get reply :pattern)))))

(defun grepls-clear-pattern ()
  "Clear the grepls pattern in every open document."
  (interactive)
  (grepls--execute "grepls.clearPattern" nil
                   (lambda (_reply) (message "grepls: pattern cleared"))))

;; Kept patterns, beside the search pattern.  They outlive the session: each project's are saved
;; in grepls's kept-patterns file, $XDG_STATE_HOME/grepls/kept-patterns.json (shared with
;; grepls's Vim plugin and Neovim commands), and added again when eglot connects
;; grepls there.  Set `grepls-keep-patterns' to nil to keep them for the session only.
(defcustom grepls-keep-patterns t
  "Non-nil: patterns kept with `grepls-add-pattern' outlive the session.
They are saved, by project, in grepls's kept-patterns file."
  :type 'boolean :group 'grepls)
(defvar grepls--kept (make-hash-table :test #'eq)
  "For each grepls server, ((ID . ARGUMENT) ...): its kept patterns.
As added, the oldest first.")

(defun grepls--command-p (command)
  "Non-nil if COMMAND, a process's command line, runs grepls.
The program `grepls' by any path (the console script an install puts on
PATH, grepls.exe on Windows, a wrapper named so), or a program given
`-m grepls' (python -m grepls).  Eglot runs a server for a remote file
as `sh -c \"stty raw > /dev/null; COMMAND...\"': COMMAND is read from
that line.  The program's name and `-m' alone count: another server run
from a folder called grepls is not grepls."
  (let ((shell "stty raw > /dev/null;"))
    (when (and (proper-list-p command) (equal (nth 1 command) "-c")
               (stringp (nth 2 command)) (string-prefix-p shell (nth 2 command)))
      (setq command (split-string-shell-command (substring (nth 2 command) (length shell))))))
  (and (proper-list-p command) (stringp (car command))
       (or (equal (file-name-base (car command)) "grepls")
           (cl-loop for (flag module) on (cdr command)
                    thereis (or (equal flag "-mgrepls")
                                (and (equal flag "-m") (equal module "grepls")))))))

(defun grepls--server-p (server)
  "Non-nil if eglot's SERVER is grepls, by the command that started it.
A server eglot reached over a network connection (grepls --tcp) has no
command: it is grepls if it said so when it answered `initialize'."
  (let ((process (jsonrpc--process server)))
    (if (eq (process-type process) 'network)
        (equal (plist-get (eglot--server-info server) :name) "grepls")
      (grepls--command-p (process-command process)))))

(defun grepls--process-p (process)
  "Non-nil if PROCESS, a jsonrpc connection's, talks to grepls.
A network connection's is known once grepls has answered `initialize'."
  (let ((connection (process-get process 'jsonrpc-connection)))
    (if (and (eq (process-type process) 'network) (cl-typep connection 'eglot-lsp-server))
        (grepls--server-p connection)
      (grepls--command-p (process-command process)))))

(defun grepls--kept-file ()
  (expand-file-name "grepls/kept-patterns.json" (or (getenv "XDG_STATE_HOME") "~/.local/state")))

(defun grepls--root (server)
  "SERVER's project folder, as the kept-patterns file names it.
Its true name, as Vim and Neovim resolve it: a project opened through a
symbolic link is the same project."
  (directory-file-name (file-truename (expand-file-name (project-root (eglot--project server))))))

(defun grepls--read-kept ()
  "The kept-patterns file and what is wrong with it: (HELD PROBLEM).
HELD is ((FOLDER . [ARGUMENT-ALIST ...]) ...), nil when there is no file
yet; PROBLEM is nil, or why a file that is there is no JSON object (writing
over it would lose every project's patterns)."
  (let ((file (grepls--kept-file)))
    (cond
     ((not (file-exists-p file)) (list nil nil))
     ((not (file-readable-p file)) (list nil "it cannot be read"))
     (t
      (condition-case err
          (let ((json-object-type 'alist) (json-key-type 'string) (json-array-type 'vector))
            (with-temp-buffer
              (insert-file-contents file)
              (goto-char (point-min))
              (if (not (re-search-forward "[^ \t\n\r]" nil t))
                  (list nil nil)        ; written empty: nothing in it to lose
                (goto-char (point-min))
                (let ((held (json-read)))
                  (if (listp held) (list held nil) (list nil "not a JSON object"))))))
        (error (list nil (error-message-string err))))))))

(defvar grepls--damage-told nil
  "Non-nil once a damaged kept-patterns file was told about.
Not to tell it again at every save.")

(defun grepls--kept-held ()
  "The kept-patterns file as it is now: (READABLE HELD).
A file that cannot be read as JSON is told about once."
  (pcase-let ((`(,held ,problem) (grepls--read-kept)))
    (cond ((not problem) (setq grepls--damage-told nil))
          ((not grepls--damage-told)
           (setq grepls--damage-told t)
           (message "grepls: %s is not valid JSON (%s): kept patterns are not saved until it is fixed"
                    (grepls--kept-file) problem)))
    (list (not problem) held)))

(defun grepls--kept-locked (work)
  "Call WORK holding the kept-patterns file's lock; what it returns.
The lock is a folder beside the file, made or refused in one step in every
editor that writes the file: two sessions saving at once would otherwise each
write what they read, and the first one's change would be lost.  A lock left
by a session that died is taken over after two seconds.  The wait spins:
`sleep-for' would run the server's replies, a save among them, inside this
one.  Signals a `file-error' when the folder cannot be made."
  (let* ((file (grepls--kept-file))
         (lock (concat file ".lock"))
         (deadline (+ (float-time) 2)))
    (make-directory (file-name-directory file) t)
    (while (and (condition-case nil (progn (make-directory lock) nil)
                  (file-already-exists t))
                (< (float-time) deadline)))
    (unwind-protect (funcall work)
      (ignore-errors (delete-directory lock)))))

(defun grepls--write-kept (held)
  "Write HELD whole to a file beside the kept-patterns file, renamed over it.
A reader (another session, another editor) finds the old file or the new
one, never half of one."
  (let* ((file (grepls--kept-file))
         (coding-system-for-write 'utf-8)
         (beside (make-temp-file (concat file ".") nil ".tmp")))
    (condition-case err
        (progn
          ;; Written silently (`make-temp-file' given the text said "Wrote ...tmp" over the
          ;; command's own message), and readable as any file the user makes, not only by them.
          (write-region (if held (json-encode held) "{}") nil beside nil 'silent)
          (set-file-modes beside (logand (default-file-modes) #o666))
          (rename-file beside file t))
      (error (ignore-errors (delete-file beside))
             (signal (car err) (cdr err))))))

(defun grepls--kept-id (entry)
  "The id of ENTRY, a kept pattern as the file holds it (an alist).
Its id, or its text."
  (and (consp entry) (or (cdr (assoc "id" entry)) (cdr (assoc "pattern" entry)))))

(defun grepls--save-kept (server id argument)
  "Write one change to SERVER's project's kept patterns: ID added as ARGUMENT.
Without ARGUMENT, ID dropped.  The file is read again just before, under the
lock, and only that change written, so what a session of another editor on the
project changed meanwhile stays.  Where it cannot be written, the change holds
for this session, and the user is told why."
  (condition-case err
      (grepls--kept-locked
       (lambda ()
         (pcase-let ((`(,readable ,held) (grepls--kept-held))
                     (root (grepls--root server)))
           ;; Said once; and at each change kept for the session only, as it happens.
           (unless readable (error "it is not valid JSON, and is not written over"))
           (let ((kept (cl-remove-if (lambda (entry) (equal (grepls--kept-id entry) id))
                                     (append (cdr (assoc root held)) nil))))
             (setq held (assoc-delete-all root held))
             (when argument (setq kept (append kept (list argument))))
             (when kept (push (cons root (vconcat kept)) held))
             (grepls--write-kept held)))))
    (error
     (message "grepls: %S is %s for this session only: %s cannot be written (%s)"
              id (if argument "kept" "dropped") (grepls--kept-file)
              (error-message-string err)))))

(defun grepls--remember (server id &optional argument)
  "SERVER keeps pattern ID, added with ARGUMENT; without ARGUMENT, it dropped ID.
Save that change alone, so what a session of another editor on the
project changed meanwhile stays."
  (let ((kept (assoc-delete-all id (gethash server grepls--kept))))
    (puthash server (if argument (append kept (list (cons id argument))) kept) grepls--kept))
  (when grepls-keep-patterns
    (grepls--save-kept server id argument)))

(defun grepls--restored (server argument reply)
  (puthash server (append (gethash server grepls--kept) (list (cons (plist-get reply :id) argument)))
           grepls--kept))

(defun grepls--not-restored (_server argument error)
  "ARGUMENT refused by the server with ERROR: say so, leave it out of this session.
Its id is now a settings pattern's, say.  The file keeps it: other editors'
sessions read it too."
  (message "grepls: the kept pattern %S is left out of this session: %s"
           (plist-get argument :pattern) (plist-get error :message)))

(defun grepls--restore-kept (server)
  "Once eglot has connected SERVER, add the patterns its project kept.
Those an earlier session kept."
  (when (and grepls-keep-patterns (grepls--server-p server))
    (dolist (held (append (cdr (assoc (grepls--root server) (nth 1 (grepls--kept-held)))) nil))
      (let ((argument (cl-loop for (key . value) in (and (consp held) held)
                               append (list (intern (concat ":" key)) value))))
        (jsonrpc-async-request server :workspace/executeCommand
                               (list :command "grepls.addPattern" :arguments (vector argument))
                               :success-fn (apply-partially #'grepls--restored server argument)
                               :error-fn (apply-partially #'grepls--not-restored
                                                          server argument))))))

(add-hook 'eglot-connect-hook #'grepls--restore-kept)

(defun grepls--kept-reply (server argument reply)
  (let ((id (plist-get reply :id)))
    (message "grepls: %s of %S" (grepls--reply-counted reply) id)
    (grepls--remember server id argument)))

(defun grepls-add-pattern (pattern &optional regex)
  "Show every match of PATTERN too, beside the search pattern.
With a prefix argument (REGEX), PATTERN is a regex.
Typed, it is previewed as `grepls-set-pattern' previews; its id is PATTERN."
  (interactive (list (grepls--read-pattern current-prefix-arg t) current-prefix-arg))
  (let ((argument (list :pattern pattern :regex (if regex t :json-false))))
    (grepls--execute "grepls.addPattern" (list argument)
                     (apply-partially #'grepls--kept-reply (eglot-current-server) argument))))

(defun grepls--removed (server id _reply)
  (grepls--remember server id)
  (message "grepls: %S removed" id))

(defun grepls-remove-pattern (id)
  "Stop showing the pattern ID, one `grepls-add-pattern' kept."
  (interactive
   (let ((ids (mapcar #'car (gethash (eglot-current-server) grepls--kept))))
     (list (completing-read "grepls: remove pattern: " ids nil nil nil nil (car (last ids))))))
  (grepls--execute "grepls.removePattern" (list id)
                   (apply-partially #'grepls--removed (eglot-current-server) id)))

(defun grepls--listed (patterns)
  (message "%s" (if (seq-empty-p patterns) "grepls: no pattern"
                  (mapconcat (lambda (pattern)
                               (format "%s: %S, %s"
                                       (plist-get pattern :id) (plist-get pattern :pattern)
                                       (grepls--counted (plist-get pattern :matches)
                                                        "match" "matches"
                                                        (unless (eq (plist-get pattern :complete) t)
                                                          "+"))))
                             patterns "\n"))))

(defun grepls-list-patterns ()
  "Say which patterns grepls shows, each with its count in the open buffers."
  (interactive)
  (grepls--execute "grepls.listPatterns" nil #'grepls--listed))

(defun grepls--reveal ()
  "Open what hides point, as isearch opens what hides a match.
An outline or hideshow fold is an overlay that says how to open it."
  (dolist (overlay (overlays-at (point)))
    (let ((open (overlay-get overlay 'isearch-open-invisible)))
      (when (and open (invisible-p (overlay-get overlay 'invisible)))
        (funcall open overlay)))))

(defun grepls--jump (command count)
  "Move to the COUNT-th match COMMAND finds from point.
COMMAND is grepls.nextMatch or grepls.previousMatch."
  (grepls--send-changes)  ; from where point is now, in the text as it is
  (let ((buffer (current-buffer))
        (position (eglot--pos-to-lsp-position))
        (uri (grepls--uri (grepls--file))))
    (grepls--execute
     command (list uri (plist-get position :line) (plist-get position :character) count)
     `(lambda (found)
        (if (not found)
            (message "grepls: no match in this buffer")
          (with-current-buffer ,buffer
            (push-mark nil t)
            (let ((at (eglot--lsp-position-to-point
                       (plist-get (plist-get found :range) :start))))
              ;; A match outside the narrowed part: widen to it, as xref does.
              (unless (<= (point-min) at (point-max))
                (widen))
              (goto-char at)
              (grepls--reveal))
            (let ((window (get-buffer-window (current-buffer))))
              (when window (set-window-point window (point)))))
          ;; Where it stands ("?": past what grepls has counted).
          (message "grepls: match %s of %d%s%s"
                   (or (plist-get found :index) "?") (plist-get found :matches)
                   (if (eq (plist-get found :complete) t) "" "+")
                   (if (eq (plist-get found :wrapped) t)
                       ,(if (equal command "grepls.nextMatch") ", wrapped around the end"
                          ", wrapped around the start")
                     "")))))))

(defun grepls--step (count forward)
  "Move COUNT matches on if FORWARD, else back; a negative COUNT the other way.
A COUNT of 0 (`M-0') or nil moves one match, the same way."
  (let ((count (if (or (null count) (= count 0)) 1 count)))
    (grepls--jump (if (eq forward (> count 0)) "grepls.nextMatch" "grepls.previousMatch")
                  (abs count))))

(defun grepls-next-match (&optional count)
  "Move to the next match of any grepls pattern, anywhere in the buffer.
With a prefix argument COUNT, to the COUNT-th; a negative one goes back."
  (interactive "p")
  (grepls--step count t))

(defun grepls-previous-match (&optional count)
  "Move to the previous match of any grepls pattern, anywhere in the buffer.
With a prefix argument COUNT, to the COUNT-th back; a negative one goes on."
  (interactive "p")
  (grepls--step count nil))

;;; Replace

(defun grepls--replaced (reply)
  (if (eq (plist-get reply :applied) t)
      (message "grepls: %s in %s"
               (grepls--counted (plist-get reply :replacements) "replacement" "replacements")
               (grepls--counted (plist-get reply :files) "file" "files"))
    (message "grepls: nothing replaced: %s" (plist-get reply :failureReason))))

(defun grepls-replace (replacement &optional everywhere)
  "Replace every match of the grepls pattern in this buffer with REPLACEMENT.
With a prefix argument EVERYWHERE, in every open buffer."
  (interactive (list (read-string "grepls: replace every match with: ") current-prefix-arg))
  (grepls--send-changes)  ; the edit comes back for the text as it is now
  (let ((uri (grepls--uri (grepls--file))))
    (grepls--execute "grepls.replace"
                     (list (if everywhere
                               (list :replacement replacement :scope "open")
                             (list :replacement replacement :uri uri)))
                     #'grepls--replaced)))

;; "Replace this match…" and "Replace all N matches…" leave the replacement to the editor: their
;; argument has a :prompt and no :replacement.  Ask, then run the command.
(defun grepls--replace-asking (arguments)
  "Ask for the replacement a grepls code action leaves to the editor; replace.
ARGUMENTS are the code action command's."
  (let ((argument (aref arguments 0)))
    (unless (plist-member argument :replacement)
      (setq argument (append (list :replacement
                                   (read-string (format "%s: " (plist-get argument :prompt))))
                             argument)))
    (grepls--execute "grepls.replace" (list argument) #'grepls--replaced)))

;; Eglot 1.9 (Emacs 28) runs a code action's command through `eglot-execute-command'
;; (obsolete since Emacs 30), eglot 1.16 and newer through `eglot-execute'.
(with-no-warnings
  (cl-defmethod eglot-execute-command (_server (_command (eql 'grepls.replace)) arguments)
    (grepls--replace-asking arguments)))

(cl-defmethod eglot-execute :around (_server action)
  (if (equal (plist-get action :command) "grepls.replace")
      (grepls--replace-asking (plist-get action :arguments))
    (cl-call-next-method)))

(provide 'grepls)
;;; grepls.el ends here
