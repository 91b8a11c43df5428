;;; emacs.el --- drives Emacs + eglot through the grepls plan  -*- lexical-binding: t -*-
;; Connects eglot directly (`eglot-ensure' waits for a command loop that --batch never runs),
;; runs the idle timers by hand while it waits (there is no command loop to go idle, and both
;; eglot's didChange and flymake's re-check wait for idleness),
;; sets the pattern with the README's `grepls-set-pattern', makes the plan's edits as a user
;; would, and records what flymake holds (`flymake-diagnostics') after each step into a JSON
;; report.  Emacs exits non-zero when a step times out or signals.
;; With GREPLS_DRIVER_CHANNEL=highlight (the README's highlight-only snippet) it records grepls's
;; overlays instead (line, character columns, face), once one is painted from an answer about
;; the buffer's current version (the answers are watched with an advice), and how many
;; diagnostics flymake holds (none: grepls publishes nothing to a client that pulls).

(require 'json)
(require 'cl-lib)

(defvar grepls-driver-plan
  (let ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol))
    (json-read-file (getenv "GREPLS_PLAN"))))
(defvar grepls-driver-phases nil)
(defvar grepls-driver-errors nil)

(defun grepls-driver--get (key) (alist-get key grepls-driver-plan))

(defun grepls-driver--idle ()
  "Do what the command loop does when the user stops typing: fire the idle timers."
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defun grepls-driver--wait (what predicate)
  (let ((deadline (+ (float-time) (/ (grepls-driver--get 'wait_ms) 1000.0))))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (grepls-driver--idle))
    (unless (funcall predicate)
      (error "timed out waiting for %s" what))))

(defvar grepls-driver--highlight (equal (getenv "GREPLS_DRIVER_CHANNEL") "highlight"))
(defvar-local grepls-driver--painted nil "Highlights: the version of the last answer painted.")
(when grepls-driver--highlight
  (advice-add 'grepls--paint :after
              (lambda (buffer _first _last result)
                (with-current-buffer buffer
                  (setq grepls-driver--painted (plist-get result :version))))))

(defun grepls-driver--overlays ()
  "grepls's overlays that cover text."
  (cl-remove-if-not (lambda (o) (and (overlay-get o 'grepls) (< (overlay-start o) (overlay-end o))))
                    (overlays-in (point-min) (point-max))))

(defun grepls-driver--held ()
  "What shows the matches: grepls's overlays, or flymake's diagnostics, as (BEG END TEXT TYPE)."
  (if grepls-driver--highlight
      (mapcar (lambda (o)
                (list (overlay-start o) (overlay-end o)
                      (format "matches \"%s\"" (grepls-driver--get 'pattern))
                      (symbol-name (overlay-get o 'face))))
              (grepls-driver--overlays))
    (mapcar (lambda (d)
              (list (flymake-diagnostic-beg d) (flymake-diagnostic-end d)
                    (flymake-diagnostic-text d) (symbol-name (flymake-diagnostic-type d))))
            (flymake-diagnostics))))

(defun grepls-driver--settled-p (expected)
  "Whether flymake holds EXPECTED diagnostics, each on the pattern's text right now.
Flymake's overlays evaporate when their text is deleted, so right after an edit the count can
match while the survivors still carry the old positions; the server's next report replaces them."
  (let ((held (grepls-driver--held))
        (pattern (grepls-driver--get 'pattern)))
    (and (or (not grepls-driver--highlight)
             (eql grepls-driver--painted eglot--versioned-identifier))
         (= (length held) expected)
         (cl-every (lambda (h)
                     (let ((beg (nth 0 h)) (end (nth 1 h)))
                       (and (<= (point-min) beg end (point-max))
                            (equal (buffer-substring-no-properties beg end) pattern))))
                   held))))

(defun grepls-driver--line-col (pos)
  "0-based line and character column of POS."
  (save-excursion
    (goto-char pos)
    (cons (1- (line-number-at-pos pos)) (- pos (line-beginning-position)))))

(defun grepls-driver--diagnostics ()
  (let ((held (mapcar
               (lambda (h)
                 (let ((beg (grepls-driver--line-col (nth 0 h)))
                       (end (grepls-driver--line-col (nth 1 h))))
                   `((line . ,(car beg)) (col . ,(cdr beg))
                     (end_line . ,(car end)) (end_col . ,(cdr end))
                     (message . ,(nth 2 h))
                     (type . ,(nth 3 h)))))
               (grepls-driver--held))))
    (sort held (lambda (a b) (or (< (alist-get 'line a) (alist-get 'line b))
                                 (and (= (alist-get 'line a) (alist-get 'line b))
                                      (< (alist-get 'col a) (alist-get 'col b))))))))

(defun grepls-driver--record (name)
  (let ((lines (split-string (buffer-substring-no-properties (point-min) (point-max)) "\n")))
    (when (equal (car (last lines)) "") (setq lines (butlast lines)))
    (push `((name . ,name) (lines . ,(vconcat lines))
            (diagnostics . ,(vconcat (grepls-driver--diagnostics)))
            (flymake . ,(length (flymake-diagnostics))))
          grepls-driver-phases)))

(defun grepls-driver--goto (line col)
  (goto-char (point-min))
  (forward-line line)
  (forward-char col))

(defun grepls-driver--apply (edit)
  (pcase (alist-get 'kind edit)
    ("insert" (grepls-driver--goto (alist-get 'line edit) (alist-get 'col edit))
     (insert (alist-get 'text edit)))
    ("delete_line" (grepls-driver--goto (alist-get 'line edit) 0)
     (delete-region (point) (line-beginning-position 2)))
    (kind (error "unknown edit %S" kind))))

(defun grepls-driver--run ()
  (find-file (grepls-driver--get 'fixture))
  (apply #'eglot (eglot--guess-contact))
  (grepls-driver--wait "eglot to connect" #'eglot-current-server)
  (flymake-start)
  (grepls-set-pattern (grepls-driver--get 'pattern))
  (cl-loop for name in (grepls-driver--get 'phases)
           for expected in (grepls-driver--get 'expected_counts)
           for index from 0
           do (when (> index 0)
                (grepls-driver--apply (nth (1- index) (grepls-driver--get 'edits))))
           (grepls-driver--wait (format "%s: %d matches shown" name expected)
                                (lambda () (grepls-driver--settled-p expected)))
           (grepls-driver--record name))
  (grepls-clear-pattern)
  (grepls-driver--wait "no match shown after grepls-clear-pattern"
                       (lambda () (null (grepls-driver--held))))
  (grepls-driver--record "clear"))

(condition-case err
    (grepls-driver--run)
  (error (push (error-message-string err) grepls-driver-errors)
         (ignore-errors (grepls-driver--record "failed"))))

(let ((coding-system-for-write 'utf-8))
  (with-temp-file (grepls-driver--get 'out)
    (insert (json-encode `((phases . ,(vconcat (reverse grepls-driver-phases)))
                           (errors . ,(vconcat grepls-driver-errors))
                           (version . ,emacs-version)
                           (eglot . ,(ignore-errors
                                       (package-version-join
                                        (package-desc-version
                                         (cadr (assq 'eglot package-alist)))))))))))
(kill-emacs (if grepls-driver-errors 1 0))
;;; emacs.el ends here
