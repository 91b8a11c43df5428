;;; emacs_preview.el --- types a pattern into grepls-set-pattern's minibuffer  -*- lexical-binding: t -*-
;; Run by `emacs -nw' on a terminal of its own (the minibuffer reads keys from it and runs timers
;; meanwhile). Connects eglot directly, then runs `grepls-set-pattern' (or $GREPLS_COMMAND; with
;; C-u when $GREPLS_PREFIX is set) as M-x would, and a timer
;; types into its minibuffer as a user does (`unread-command-events'): "TO", then "DO", each time
;; recording the lit spans in the buffer ((line, start, end) in characters, from 0) and the count
;; shown after the pattern; then C-g (nothing lit, no pattern set), then the command again with
;; "TODO" and RET (no preview left, one pattern). Writes the steps as JSON to $GREPLS_OUT, with
;; the minibuffer's prompt and the pattern RET set. With $GREPLS_POINT_AT, point starts on that
;; word (else on an empty line).
(require 'json)
(require 'cl-lib)

(defvar grepls-preview--steps nil "What each step saw, newest first.")
(defvar grepls-preview--step 0)
(defvar grepls-preview--error nil)
(defvar grepls-preview--prompt nil "The minibuffer's prompt, as the first step saw it.")
(defvar grepls-preview--command (intern (or (getenv "GREPLS_COMMAND") "grepls-set-pattern")))

(defun grepls-preview--run ()
  "Run the command as M-x would, with C-u before it when $GREPLS_PREFIX is set."
  (let ((current-prefix-arg (and (getenv "GREPLS_PREFIX") '(4))))
    (call-interactively grepls-preview--command)))

(defun grepls-preview--lit ()
  "The spans of the preview's face in the fixture's buffer, in order."
  (with-current-buffer (get-file-buffer (getenv "GREPLS_FIXTURE"))
    (sort (cl-loop for overlay in (overlays-in (point-min) (point-max))
                   when (eq (overlay-get overlay 'face) 'grepls-preview)
                   ;; Characters from the line's start (`current-column' would count the
                   ;; emoji's two cells).
                   collect (save-excursion
                             (goto-char (overlay-start overlay))
                             (let ((start (- (point) (line-beginning-position))))
                               (list (1- (line-number-at-pos)) start
                                     (+ start (- (overlay-end overlay)
                                                 (overlay-start overlay)))))))
          (lambda (a b) (or (< (car a) (car b))
                            (and (= (car a) (car b)) (< (cadr a) (cadr b))))))))

(defun grepls-preview--said ()
  "The text shown after the pattern in the minibuffer, or nil."
  (let ((minibuffer (window-buffer (minibuffer-window))))
    (cl-loop for overlay in (with-current-buffer minibuffer
                              (overlays-in (point-min) (1+ (point-max))))
             for after = (overlay-get overlay 'after-string)
             when after return (substring-no-properties after))))

(defun grepls-preview--typed ()
  (and (active-minibuffer-window)
       (with-current-buffer (window-buffer (active-minibuffer-window))
         (minibuffer-contents-no-properties))))

(defun grepls-preview--type (keys)
  (setq unread-command-events (append unread-command-events (listify-key-sequence keys))))

(defun grepls-preview--record (typed wanted)
  "When TYPED is in the minibuffer and WANTED spans are lit: record them and go on."
  (let ((lit (grepls-preview--lit)))
    (when (and (equal (grepls-preview--typed) typed) (= (length lit) wanted))
      (push `((typed . ,typed) (lit . ,(vconcat (mapcar #'vconcat lit)))
              (said . ,(grepls-preview--said)))
            grepls-preview--steps)
      t)))

(defun grepls-preview--tick ()
  "The steps inside the minibuffer, each when the one before it is seen done."
  (condition-case err
      (pcase grepls-preview--step
        (0 (when (equal (grepls-preview--typed) "")
             (setq grepls-preview--prompt
                   (with-current-buffer (window-buffer (active-minibuffer-window))
                     (minibuffer-prompt)))
             (grepls-preview--type "TO")
             (setq grepls-preview--step 1)))
        (1 (when (grepls-preview--record "TO" (string-to-number (getenv "GREPLS_WANTED_TO")))
             (grepls-preview--type "DO")
             (setq grepls-preview--step 2)))
        (2 (when (grepls-preview--record "TODO" (string-to-number (getenv "GREPLS_WANTED_TODO")))
             (grepls-preview--type (kbd "C-g"))
             (setq grepls-preview--step 3)))
        (4 (when (equal (grepls-preview--typed) "")
             (grepls-preview--type (kbd "TODO RET"))
             (setq grepls-preview--step 5))))
    (error (setq grepls-preview--error (error-message-string err)))))

(defun grepls-preview--wait (predicate)
  (let ((deadline (+ (float-time) 20)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (redisplay))
    (funcall predicate)))

(defvar grepls-preview--listed nil "grepls.listPatterns's latest answer.")

(defun grepls-preview--patterns ()
  "How many patterns grepls runs (grepls.listPatterns)."
  (let ((listed nil))
    (grepls--execute "grepls.listPatterns" nil (lambda (reply) (setq listed reply)))
    (unless (grepls-preview--wait (lambda () listed))
      (error "grepls.listPatterns was not answered"))
    (setq grepls-preview--listed listed)
    (length listed)))

;; Native compilation's warnings (a fresh HOME compiles at start) would take half the screen.
(setq native-comp-async-report-warnings-errors 'silent)

(let ((ok nil) (timer nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_FIXTURE"))
        (delete-other-windows)
        (goto-char (point-max))  ; an empty line: no symbol at point
        (when (getenv "GREPLS_POINT_AT")
          (goto-char (point-min))
          (search-forward (getenv "GREPLS_POINT_AT"))
          (goto-char (match-beginning 0)))
        (apply #'eglot (eglot--guess-contact))
        ;; Interactive Emacs stops waiting for the connection when input is pending (the
        ;; terminal's answers to Emacs's queries count): wait for the buffer to be managed.
        (unless (grepls-preview--wait #'eglot-managed-p)
          (error "eglot never managed the buffer"))
        (setq timer (run-at-time 0.05 0.05 #'grepls-preview--tick))
        (run-at-time 20 nil (lambda () (setq grepls-preview--error "timed out")
                              (when (active-minibuffer-window) (abort-recursive-edit))))
        (condition-case nil
            (grepls-preview--run)
          (quit nil))
        (when grepls-preview--error (error "in the minibuffer: %s" grepls-preview--error))
        (unless (= grepls-preview--step 3) (error "left the minibuffer at step %d" grepls-preview--step))
        (redisplay)
        (push `((escaped . t) (lit . ,(vconcat (grepls-preview--lit)))
                (said . ,(grepls-preview--said)) (patterns . ,(grepls-preview--patterns)))
              grepls-preview--steps)
        (setq grepls-preview--step 4)
        (grepls-preview--run)
        (when grepls-preview--error (error "in the minibuffer: %s" grepls-preview--error))
        (unless (grepls-preview--wait (lambda () (= (grepls-preview--patterns) 1)))
          (error "RET set no pattern"))
        (push `((entered . t) (lit . ,(vconcat (grepls-preview--lit)))
                (patterns . ,(grepls-preview--patterns))
                ;; Which pattern RET set: its id and whether it is a regex.
                (set . ,(cl-loop for pattern across grepls-preview--listed
                                 vconcat (list (plist-get pattern :id)
                                               (plist-get pattern :regex)))))
              grepls-preview--steps)
        (setq ok t))
    (error (setq grepls-preview--error (error-message-string err))))
  (when timer (cancel-timer timer))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false))
                             (error . ,grepls-preview--error)
                             (steps . ,(vconcat (reverse grepls-preview--steps)))
                             (prompt . ,grepls-preview--prompt)
                             (pattern . ,(and grepls-preview--listed
                                              (> (length grepls-preview--listed) 0)
                                              (plist-get (aref grepls-preview--listed 0)
                                                         :pattern))))))))
  (kill-emacs (if ok 0 1)))
;;; emacs_preview.el ends here
